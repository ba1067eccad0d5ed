import { Global, Module } from '@nestjs/common';
import { InstanceController } from './instance.controller';
import { InstanceService } from './instance.service';

@Global()
@Module({ controllers: [InstanceController], providers: [InstanceService], exports: [InstanceService] })
export class InstanceModule {}
