import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DeviceEntity, type DeviceStatus } from '@mqc/db';
import { SECRET_CONTEXT, type DeviceKeySlot, type SecretBox } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { assertEditionAllows } from '../../common/edition-gate';
import { SECRET_BOX } from '../../common/tokens';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { newDeviceKey } from './device-key';

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
  private readonly rows: InstanceRows<DeviceEntity>;

  constructor(
    dataSource: DataSource,
    instances: OwnedInstances,
    private readonly write: InstanceChanges,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {
    this.rows = new InstanceRows(dataSource, instances, DeviceEntity, 'device');
  }

  private seal(id: string, which: DeviceKeySlot, key: string): string {
    return this.box.seal(key, SECRET_CONTEXT.deviceKey(id, which));
  }

  async list(tenantId: string, instanceId: string, limit: number, after?: string): Promise<{ items: DeviceView[]; nextCursor: string | null }> {
    const { rows, nextCursor } = await this.rows.page(tenantId, instanceId, { key: { column: 'client_id', of: (d) => d.clientId }, limit, after });
    return { items: rows.map(view), nextCursor };
  }

  async get(tenantId: string, instanceId: string, clientId: string): Promise<DeviceView> {
    return view(await this.rows.get(tenantId, instanceId, { clientId }));
  }

  async create(
    tenantId: string,
    instanceId: string,
    input: { clientId: string; status: DeviceStatus; primaryKey?: string; secondaryKey?: string },
    caller: Caller,
  ): Promise<DeviceView & { primaryKey: string; secondaryKey: string }> {
    const primaryKey = input.primaryKey ?? newDeviceKey();
    const secondaryKey = input.secondaryKey ?? newDeviceKey();
    const exists = () => new DomainError('conflict', 'device-exists', `device ${input.clientId} already exists`);
    const device = await this.write.apply({ tenantId, instanceId, caller, onUniqueViolation: exists }, async (tx, instance) => {
      assertEditionAllows(instance.edition, 'device-secret');
      if (await tx.existsBy(DeviceEntity, { instanceId, clientId: input.clientId })) throw exists();
      const id = randomUUID();
      const saved = await tx.save(
        tx.create(DeviceEntity, {
          id,
          instanceId,
          clientId: input.clientId,
          status: input.status,
          primaryKeySealed: this.seal(id, 'primary', primaryKey),
          secondaryKeySealed: this.seal(id, 'secondary', secondaryKey),
        }),
      );
      const details = { instanceId, status: input.status, keysGiven: { primary: input.primaryKey !== undefined, secondary: input.secondaryKey !== undefined } };
      return {
        result: saved,
        audit: { action: 'device.create', resourceType: 'device', resourceId: input.clientId, details },
        change: { kind: 'credential-changed', credential: { type: 'device', clientId: input.clientId } },
      };
    });
    return { ...view(device), primaryKey, secondaryKey };
  }

  async update(
    tenantId: string,
    instanceId: string,
    clientId: string,
    input: { status?: DeviceStatus; primaryKey?: string; secondaryKey?: string },
    caller: Caller,
  ): Promise<DeviceView> {
    const device = await this.write.apply({ tenantId, instanceId, caller }, async (tx, instance) => {
      const found = await this.rows.find(tx, instance, { clientId });
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
      await tx.update(DeviceEntity, { id: found.id }, columns);
      const details = { instanceId, status: found.status, keysReplaced: { primary: input.primaryKey !== undefined, secondary: input.secondaryKey !== undefined } };
      // A disabled device must reconnect, and so must the clients a replaced key verified (SPEC 4: disconnected by default).
      const credential = { type: 'device' as const, clientId, keySlot: disabled ? undefined : replacedSlot(input) };
      return {
        result: await tx.findOneByOrFail(DeviceEntity, { id: found.id }),
        audit: { action: 'device.update', resourceType: 'device', resourceId: clientId, details },
        change: { kind: disabled || keyReplaced ? 'credential-revoked' : 'credential-changed', credential },
      };
    });
    return view(device);
  }

  async regenerateKey(tenantId: string, instanceId: string, clientId: string, which: DeviceKeySlot, caller: Caller): Promise<DeviceView & { primaryKey?: string; secondaryKey?: string }> {
    const key = newDeviceKey();
    const device = await this.write.apply({ tenantId, instanceId, caller }, async (tx, instance) => {
      const found = await this.rows.find(tx, instance, { clientId });
      assertEditionAllows(instance.edition, 'device-secret');
      const column = which === 'primary' ? 'primaryKeySealed' : 'secondaryKeySealed';
      await tx.update(DeviceEntity, { id: found.id }, { [column]: this.seal(found.id, which, key) });
      return {
        result: await tx.findOneByOrFail(DeviceEntity, { id: found.id }),
        audit: { action: 'device.regenerate-key', resourceType: 'device', resourceId: clientId, details: { instanceId, key: which } },
        // Clients that signed with the old key are disconnected; the other key's clients stay.
        change: { kind: 'credential-revoked', credential: { type: 'device', clientId, keySlot: which } },
      };
    });
    return which === 'primary' ? { ...view(device), primaryKey: key } : { ...view(device), secondaryKey: key };
  }

  async delete(tenantId: string, instanceId: string, clientId: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (tx, instance) => {
      const found = await this.rows.find(tx, instance, { clientId });
      await tx.delete(DeviceEntity, { id: found.id });
      return {
        result: undefined,
        audit: { action: 'device.delete', resourceType: 'device', resourceId: clientId, details: { instanceId } },
        change: { kind: 'credential-revoked', credential: { type: 'device', clientId } },
      };
    });
  }
}
