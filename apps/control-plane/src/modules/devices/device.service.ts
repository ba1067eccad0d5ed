import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { DeviceEntity, type DeviceStatus } from '@mqc/db';
import { SECRET_CONTEXT, type DeviceKeySlot, type SecretBox } from '@mqc/domain';
import type { ChangeBus } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { assertEditionAllows } from '../../common/edition-gate';
import { CHANGE_BUS, SECRET_BOX } from '../../common/tokens';
import { AuditService } from '../audit/audit.service';
import { InstanceService } from '../instances/instance.service';
import { newDeviceKey } from './device-key';
import { isUniqueViolation } from '../../common/unique-violation';
import { keysetPage } from '../../common/keyset-page';

/** Keys never come back after they were shown once. */
export interface DeviceView {
  clientId: string;
  status: DeviceStatus;
  createdAt: Date;
  updatedAt: Date;
}


/** The one key an update replaces, if it replaces exactly one (both, or none: the whole device). */
function replacedSlot(input: { primaryKey?: string; secondaryKey?: string }): DeviceKeySlot | undefined {
  if (input.primaryKey !== undefined && input.secondaryKey === undefined) return 'primary';
  if (input.secondaryKey !== undefined && input.primaryKey === undefined) return 'secondary';
  return undefined;
}

function view(d: DeviceEntity): DeviceView {
  return { clientId: d.clientId, status: d.status, createdAt: d.createdAt, updatedAt: d.updatedAt };
}

/** SPEC 4.5: the device identity registry of one device one secret (professional and up). */
@Injectable()
export class DeviceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: InstanceService,
    private readonly audit: AuditService,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(CHANGE_BUS) private readonly changes: ChangeBus,
  ) {}

  private seal(id: string, which: DeviceKeySlot, key: string): string {
    return this.box.seal(key, SECRET_CONTEXT.deviceKey(id, which));
  }

  async list(tenantId: string, instanceId: string, limit: number, after?: string): Promise<{ items: DeviceView[]; nextCursor: string | null }> {
    await this.instances.findOwned(tenantId, instanceId);
    const query = this.dataSource.getRepository(DeviceEntity).createQueryBuilder('d').where('d.instance_id = :instanceId', { instanceId });
    const { rows, nextCursor } = await keysetPage(query, { keyColumn: 'd.client_id', keyOf: (d) => d.clientId, limit, after });
    return { items: rows.map(view), nextCursor };
  }

  private async findOwned(manager: EntityManager, tenantId: string, instanceId: string, clientId: string): Promise<DeviceEntity> {
    await this.instances.findOwned(tenantId, instanceId, manager);
    const device = await manager.findOneBy(DeviceEntity, { instanceId, clientId });
    if (!device) throw new NotFoundError('device');
    return device;
  }

  async get(tenantId: string, instanceId: string, clientId: string): Promise<DeviceView> {
    return view(await this.findOwned(this.dataSource.manager, tenantId, instanceId, clientId));
  }

  async create(
    tenantId: string,
    instanceId: string,
    input: { clientId: string; status: DeviceStatus; primaryKey?: string; secondaryKey?: string },
    caller: Caller,
  ): Promise<DeviceView & { primaryKey: string; secondaryKey: string }> {
    const primaryKey = input.primaryKey ?? newDeviceKey();
    const secondaryKey = input.secondaryKey ?? newDeviceKey();
    let device: DeviceEntity;
    try {
      device = await this.dataSource.transaction(async (manager) => {
        const instance = await this.instances.findOwnedForUpdate(tenantId, instanceId, manager);
        assertEditionAllows(instance.edition, 'device-secret');
        if (await manager.existsBy(DeviceEntity, { instanceId, clientId: input.clientId })) {
          throw new DomainError('conflict', 'device-exists', `device ${input.clientId} already exists`);
        }
        const id = randomUUID();
        const saved = await manager.save(
          manager.create(DeviceEntity, {
            id,
            instanceId,
            clientId: input.clientId,
            status: input.status,
            primaryKeySealed: this.seal(id, 'primary', primaryKey),
            secondaryKeySealed: this.seal(id, 'secondary', secondaryKey),
          }),
        );
        await this.audit.record(manager, {
          tenantId,
          caller,
          action: 'device.create',
          resourceType: 'device',
          resourceId: input.clientId,
          details: { instanceId, status: input.status, keysGiven: { primary: input.primaryKey !== undefined, secondary: input.secondaryKey !== undefined } },
        });
        return saved;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('conflict', 'device-exists', `device ${input.clientId} already exists`);
      throw error;
    }
    await this.changes.publish({ kind: 'credential-changed', instanceId, credential: { type: 'device', clientId: input.clientId } });
    return { ...view(device), primaryKey, secondaryKey };
  }

  async update(
    tenantId: string,
    instanceId: string,
    clientId: string,
    input: { status?: DeviceStatus; primaryKey?: string; secondaryKey?: string },
    caller: Caller,
  ): Promise<DeviceView> {
    const { device, revoked, keySlot } = await this.dataSource.transaction(async (manager) => {
      const instance = await this.instances.findOwnedForUpdate(tenantId, instanceId, manager);
      const found = await manager.findOneBy(DeviceEntity, { instanceId, clientId });
      if (!found) throw new NotFoundError('device');
      // Disabling is always allowed; anything that lets a device in needs the edition.
      if (input.status !== 'DISABLED' || input.primaryKey !== undefined || input.secondaryKey !== undefined) {
        assertEditionAllows(instance.edition, 'device-secret');
      }
      const disabled = found.status === 'ENABLED' && input.status === 'DISABLED';
      const keyReplaced = input.primaryKey !== undefined || input.secondaryKey !== undefined;
      if (input.status !== undefined) found.status = input.status;
      const columns: Partial<DeviceEntity> = { status: found.status };
      if (input.primaryKey !== undefined) columns.primaryKeySealed = this.seal(found.id, 'primary', input.primaryKey);
      if (input.secondaryKey !== undefined) columns.secondaryKeySealed = this.seal(found.id, 'secondary', input.secondaryKey);
      await manager.update(DeviceEntity, { id: found.id }, columns);
      await this.audit.record(manager, {
        tenantId,
        caller,
        action: 'device.update',
        resourceType: 'device',
        resourceId: clientId,
        details: { instanceId, status: found.status, keysReplaced: { primary: input.primaryKey !== undefined, secondary: input.secondaryKey !== undefined } },
      });
      const reread = await manager.findOneByOrFail(DeviceEntity, { id: found.id });
      return { device: reread, revoked: disabled || keyReplaced, keySlot: disabled ? undefined : replacedSlot(input) };
    });
    // A disabled device must reconnect, and so must the clients a replaced key verified (SPEC 4: disconnected by default).
    await this.changes.publish({ kind: revoked ? 'credential-revoked' : 'credential-changed', instanceId, credential: { type: 'device', clientId, keySlot } });
    return view(device);
  }

  async regenerateKey(tenantId: string, instanceId: string, clientId: string, which: DeviceKeySlot, caller: Caller): Promise<DeviceView & { primaryKey?: string; secondaryKey?: string }> {
    const key = newDeviceKey();
    const device = await this.dataSource.transaction(async (manager) => {
      const instance = await this.instances.findOwnedForUpdate(tenantId, instanceId, manager);
      const found = await manager.findOneBy(DeviceEntity, { instanceId, clientId });
      if (!found) throw new NotFoundError('device');
      assertEditionAllows(instance.edition, 'device-secret');
      const column = which === 'primary' ? 'primaryKeySealed' : 'secondaryKeySealed';
      await manager.update(DeviceEntity, { id: found.id }, { [column]: this.seal(found.id, which, key) });
      await this.audit.record(manager, { tenantId, caller, action: 'device.regenerate-key', resourceType: 'device', resourceId: clientId, details: { instanceId, key: which } });
      return manager.findOneByOrFail(DeviceEntity, { id: found.id });
    });
    // Clients that signed with the old key are disconnected; the other key's clients stay.
    await this.changes.publish({ kind: 'credential-revoked', instanceId, credential: { type: 'device', clientId, keySlot: which } });
    return which === 'primary' ? { ...view(device), primaryKey: key } : { ...view(device), secondaryKey: key };
  }

  async delete(tenantId: string, instanceId: string, clientId: string, caller: Caller): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const found = await this.findOwned(manager, tenantId, instanceId, clientId);
      await manager.delete(DeviceEntity, { id: found.id });
      await this.audit.record(manager, { tenantId, caller, action: 'device.delete', resourceType: 'device', resourceId: clientId, details: { instanceId } });
    });
    await this.changes.publish({ kind: 'credential-revoked', instanceId, credential: { type: 'device', clientId } });
  }
}
