import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { InstanceX509SettingsEntity } from '@mqc/db';
import { DEFAULT_X509_SETTINGS, type X509Settings } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import { InstanceChanges } from '../instances/instance-changes';
import { OwnedInstances } from '../instances/owned-instances';
import { assertDeviceCertificatesAllowed } from './x509-edition-gate';

/** SPEC 4.2: an instance's X.509 mode and device-certificate provisioning. */
@Injectable()
export class X509SettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
  ) {}

  /** The settings of an instance the caller owns; an instance never configured is in one-way TLS mode. */
  async read(instanceId: string, manager: EntityManager = this.dataSource.manager): Promise<X509Settings> {
    const row = await manager.findOneBy(InstanceX509SettingsEntity, { instanceId });
    return row ? { mode: row.mode, provisioning: row.provisioning, autoActivate: row.autoActivate } : { ...DEFAULT_X509_SETTINGS };
  }

  async get(tenantId: string, instanceId: string): Promise<X509Settings> {
    await this.instances.find(tenantId, instanceId);
    return this.read(instanceId);
  }

  async put(tenantId: string, instanceId: string, input: X509Settings, caller: Caller): Promise<X509Settings> {
    return this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      if (input.mode === 'BYOC' || input.provisioning === 'JITP') assertDeviceCertificatesAllowed(instance.edition, 'one device one certificate (BYOC, JITP)');
      await manager.upsert(InstanceX509SettingsEntity, { instanceId, ...input }, ['instanceId']);
      return {
        result: await this.read(instanceId, manager),
        audit: { action: 'instance.x509', resourceType: 'instance', resourceId: instanceId, details: { ...input } },
        // The broker applies the mode to the TLS listener of the instance, live.
        change: { kind: 'instance' },
      };
    });
  }
}
