import { Module } from '@nestjs/common';
import { OpsTenantController } from './ops-tenant.controller';
import { TenantService } from './tenant.service';

@Module({ controllers: [OpsTenantController], providers: [TenantService] })
export class TenantModule {}
