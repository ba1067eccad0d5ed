import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ChangeBus } from '@mqc/queue';
import { CHANGE_BUS } from '../../common/tokens';
import { AuditService } from '../audit/audit.service';
import { InstanceCaController } from './instance-ca.controller';
import { InstanceChanges } from './instance-changes';
import { InstanceController } from './instance.controller';
import { InstanceService } from './instance.service';
import { InstanceNodes } from './instance-nodes';
import { OwnedInstances } from './owned-instances';

const instanceChanges = {
  provide: InstanceChanges,
  inject: [DataSource, OwnedInstances, AuditService, CHANGE_BUS],
  useFactory: (transactions: DataSource, instances: OwnedInstances, audit: AuditService, changes: ChangeBus) => new InstanceChanges({ transactions, instances, audit, changes }),
};

@Global()
@Module({
  controllers: [InstanceController, InstanceCaController],
  providers: [OwnedInstances, instanceChanges, InstanceService, InstanceNodes],
  exports: [OwnedInstances, InstanceChanges, InstanceNodes],
})
export class InstanceModule {}
