import { Module } from '@nestjs/common';
import { PskIdentityController } from './psk-identity.controller';
import { PskIdentityService } from './psk-identity.service';

@Module({ controllers: [PskIdentityController], providers: [PskIdentityService] })
export class PskIdentityModule {}
