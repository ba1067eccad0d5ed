import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { InstanceX509SettingsEntity } from '@mqc/db';
import { DEFAULT_X509_SETTINGS, type X509Settings } from '@mqc/domain';
import type { ChangeBus } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { CHANGE_BUS } from '../../common/tokens';
import { AuditService } from '../audit/audit.service';
import { InstanceService } from '../instances/instance.service';
import { assertDeviceCertificatesAllowed } from './x509-edition-gate';

/** SPEC 4.2: an instance's X.509 mode and device-certificate provisioning. */
@Injectable()
export class X509SettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: InstanceService,
    private readonly audit: AuditService,
    @Inject(CHANGE_BUS) private readonly changes: ChangeBus,
  ) {}

  /** The settings of an instance the caller owns; an instance never configured is in one-way TLS mode. */
  async read(instanceId: string, manager: EntityManager = this.dataSource.manager): Promise<X509Settings> {
    const row = await manager.findOneBy(InstanceX509SettingsEntity, { instanceId });
    return row ? { mode: row.mode, provisioning: row.provisioning, autoActivate: row.autoActivate } : { ...DEFAULT_X509_SETTINGS };
  }

  async get(tenantId: string, instanceId: string): Promise<X509Settings> {
    await this.instances.findOwned(tenantId, instanceId);
    return this.read(instanceId);
  }

  async put(tenantId: string, instanceId: string, input: X509Settings, caller: Caller): Promise<X509Settings> {
    const saved = await this.dataSource.transaction(async (manager) => {
      const instance = await this.instances.findOwnedForUpdate(tenantId, instanceId, manager);
      if (input.mode === 'BYOC' || input.provisioning === 'JITP') assertDeviceCertificatesAllowed(instance.edition, 'one device one certificate (BYOC, JITP)');
      await manager.upsert(InstanceX509SettingsEntity, { instanceId, ...input }, ['instanceId']);
      await this.audit.record(manager, { tenantId, caller, action: 'instance.x509', resourceType: 'instance', resourceId: instanceId, details: { ...input } });
      return this.read(instanceId, manager);
    });
    // The broker applies the mode to the TLS listener of the instance, live.
    await this.changes.publish({ kind: 'instance', instanceId });
    return saved;
  }
}
