import { Global, Module } from '@nestjs/common';
import { InstanceCaController } from './instance-ca.controller';
import { InstanceController } from './instance.controller';
import { InstanceService } from './instance.service';

@Global()
@Module({ controllers: [InstanceController, InstanceCaController], providers: [InstanceService], exports: [InstanceService] })
export class InstanceModule {}
