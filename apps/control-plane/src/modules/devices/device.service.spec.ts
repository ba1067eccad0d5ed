import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { DeviceEntity } from '@mqc/db';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import type { EditionName } from '@mqc/editions';
import type { Caller } from '../../common/caller';
import { InMemoryWritePath } from '../../test/in-memory-write-path.spec-helper';
import type { OwnedInstances } from '../instances/owned-instances';
import { DeviceService } from './device.service';

const caller: Caller = { kind: 'tenant', tenantId: 't1', apiKeyId: 'k1' };
const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

/** The rules of one device one secret; the reads (list, get) are covered by devices.integration-spec.ts. */
function setup(edition: EditionName) {
  const store = new InMemoryWritePath();
  store.addInstance({ id: 'i1', tenantId: 't1', edition });
  const box = new SecretBox(Buffer.alloc(32, 9));
  const devices = new DeviceService({} as DataSource, {} as OwnedInstances, store.write, box);
  const stored = () => store.table(DeviceEntity) as unknown as DeviceEntity[];
  const keyOf = (device: DeviceEntity, which: 'primary' | 'secondary') =>
    box.openText(which === 'primary' ? device.primaryKeySealed : device.secondaryKeySealed, SECRET_CONTEXT.deviceKey(device.id, which));
  return { store, devices, stored, keyOf };
}

describe('DeviceService', () => {
  it('registers a device on professional: keys sealed for that device, audited, announced as a changed credential', async () => {
    const { store, devices, stored, keyOf } = setup('professional');
    const created = await devices.create('t1', 'i1', { clientId: 'd1', status: 'ENABLED', primaryKey: KEY_A }, caller);
    expect(created.primaryKey).toBe(KEY_A);
    expect(Buffer.from(created.secondaryKey, 'base64')).toHaveLength(32);
    const [row] = stored();
    expect(keyOf(row!, 'primary')).toBe(KEY_A);
    expect(keyOf(row!, 'secondary')).toBe(created.secondaryKey);
    expect(store.audit).toMatchObject([{ action: 'device.create', resourceId: 'd1', details: { instanceId: 'i1', keysGiven: { primary: true, secondary: false } } }]);
    expect(store.published).toEqual([{ kind: 'credential-changed', instanceId: 'i1', credential: { type: 'device', clientId: 'd1' } }]);
  });

  it('refuses devices on basic (403 naming the edition) and a client id twice (409), writing nothing', async () => {
    const basic = setup('basic');
    await expect(basic.devices.create('t1', 'i1', { clientId: 'd1', status: 'ENABLED' }, caller)).rejects.toMatchObject({ code: 'method-not-in-edition', extra: { requiredEdition: 'professional' } });
    expect(basic.stored()).toEqual([]);
    const professional = setup('professional');
    await professional.devices.create('t1', 'i1', { clientId: 'd1', status: 'ENABLED' }, caller);
    await expect(professional.devices.create('t1', 'i1', { clientId: 'd1', status: 'ENABLED' }, caller)).rejects.toMatchObject({ code: 'device-exists' });
    expect(professional.stored()).toHaveLength(1);
    expect(professional.store.published).toHaveLength(1);
  });

  it('lets a device be disabled after a downgrade, but not enabled or re-keyed', async () => {
    const { store, devices, stored } = setup('professional');
    await devices.create('t1', 'i1', { clientId: 'd1', status: 'ENABLED' }, caller);
    store.instances[0]!.edition = 'basic';
    await expect(devices.update('t1', 'i1', 'd1', { primaryKey: KEY_B }, caller)).rejects.toMatchObject({ code: 'method-not-in-edition' });
    const disabled = await devices.update('t1', 'i1', 'd1', { status: 'DISABLED' }, caller);
    expect(disabled.status).toBe('DISABLED');
    expect(store.published.at(-1)).toEqual({ kind: 'credential-revoked', instanceId: 'i1', credential: { type: 'device', clientId: 'd1', keySlot: undefined } });
    await expect(devices.update('t1', 'i1', 'd1', { status: 'ENABLED' }, caller)).rejects.toMatchObject({ code: 'method-not-in-edition' });
    expect(stored()[0]!.status).toBe('DISABLED');
  });

  it('revokes only the clients of a replaced key, and announces a change that lets nobody new in as a changed credential', async () => {
    const { store, devices, keyOf, stored } = setup('professional');
    await devices.create('t1', 'i1', { clientId: 'd1', status: 'ENABLED', primaryKey: KEY_A }, caller);
    await devices.update('t1', 'i1', 'd1', { secondaryKey: KEY_B }, caller);
    expect(store.published.at(-1)).toEqual({ kind: 'credential-revoked', instanceId: 'i1', credential: { type: 'device', clientId: 'd1', keySlot: 'secondary' } });
    expect(keyOf(stored()[0]!, 'secondary')).toBe(KEY_B);
    expect(keyOf(stored()[0]!, 'primary')).toBe(KEY_A);
    await devices.update('t1', 'i1', 'd1', { status: 'ENABLED' }, caller);
    expect(store.published.at(-1)).toMatchObject({ kind: 'credential-changed' });
    const regenerated = await devices.regenerateKey('t1', 'i1', 'd1', 'primary', caller);
    expect(keyOf(stored()[0]!, 'primary')).toBe(regenerated.primaryKey);
    expect(store.published.at(-1)).toEqual({ kind: 'credential-revoked', instanceId: 'i1', credential: { type: 'device', clientId: 'd1', keySlot: 'primary' } });
  });

  it('answers 404 for a device or an instance the tenant does not have, announcing nothing', async () => {
    const { store, devices } = setup('professional');
    await expect(devices.delete('t1', 'i1', 'nobody', caller)).rejects.toMatchObject({ code: 'device-not-found' });
    await expect(devices.create('t2', 'i1', { clientId: 'd1', status: 'ENABLED' }, { kind: 'tenant', tenantId: 't2', apiKeyId: 'k2' })).rejects.toMatchObject({ code: 'instance-not-found' });
    expect(store.published).toEqual([]);
    expect(store.audit).toEqual([]);
  });
});
