import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import { testConfig } from '@mqc/testing';
import { newInstance, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  requiredEdition?: string;
  errors?: { field: string; message: string }[];
}

interface Device {
  clientId: string;
  status: string;
  primaryKey?: string;
  secondaryKey?: string;
}

describe('the device identity registry (one device one secret)', () => {
  const config = testConfig();
  const box = new SecretBox(config.masterKey);
  let fixture: ControlPlaneFixture;
  let tenant: Tenant;
  let changes: EventLog;
  let sql: Client;
  let instance: string;

  async function storedKeys(clientId: string): Promise<{ primary: string; secondary: string }> {
    const rows = await sql.query<{ id: string; primary_key_sealed: string; secondary_key_sealed: string }>(
      'SELECT id, primary_key_sealed, secondary_key_sealed FROM devices WHERE instance_id = $1 AND client_id = $2',
      [instance, clientId],
    );
    const row = rows.rows[0]!;
    return {
      primary: box.openText(row.primary_key_sealed, SECRET_CONTEXT.deviceKey(row.id, 'primary')),
      secondary: box.openText(row.secondary_key_sealed, SECRET_CONTEXT.deviceKey(row.id, 'secondary')),
    };
  }

  const path = (clientId?: string) => `/v1/instances/${instance}/devices${clientId === undefined ? '' : `/${encodeURIComponent(clientId)}`}`;

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ tenant, changes, sql } = fixture);
    instance = await newInstance(tenant.api, 'professional', 'devices');
  });

  afterAll(() => fixture?.close());

  it('is a professional method: a basic instance refuses devices, naming the edition', async () => {
    const basic = await newInstance(tenant.api, 'basic', 'no-devices');
    const refused = await tenant.api.post<Problem>(`/v1/instances/${basic}/devices`, { clientId: 'meter-1' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'method-not-in-edition', requiredEdition: 'professional' });
  });

  it('registers a device with generated keys, shown once, stored sealed', async () => {
    changes.clear();
    const created = await tenant.api.post<Device>(path(), { clientId: 'meter-17' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clientId: 'meter-17', status: 'ENABLED' });
    for (const key of [created.body.primaryKey!, created.body.secondaryKey!]) expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(created.body.primaryKey).not.toBe(created.body.secondaryKey);
    expect(await storedKeys('meter-17')).toEqual({ primary: created.body.primaryKey, secondary: created.body.secondaryKey });
    const raw = await sql.query('SELECT * FROM devices WHERE client_id = $1', ['meter-17']);
    expect(JSON.stringify(raw.rows)).not.toContain(created.body.primaryKey);
    await changes.next((e) => e.kind === 'credential-changed' && e.instanceId === instance);

    const got = await tenant.api.get<Device>(path('meter-17'));
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('primaryKey');
    expect(got.body).not.toHaveProperty('secondaryKey');
  });

  it('keeps keys the tenant gives, and refuses keys that are not base64 of 16 to 64 bytes', async () => {
    const primaryKey = Buffer.alloc(16, 7).toString('base64');
    const created = await tenant.api.post<Device>(path(), { clientId: 'meter/18 ü', primaryKey, status: 'DISABLED' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clientId: 'meter/18 ü', status: 'DISABLED', primaryKey });
    expect((await storedKeys('meter/18 ü')).primary).toBe(primaryKey);
    expect((await tenant.api.get<Device>(path('meter/18 ü'))).body.clientId).toBe('meter/18 ü');

    const notBase64 = await tenant.api.post<Problem>(path(), { clientId: 'm', primaryKey: 'not base64!' });
    expect(notBase64.status).toBe(422);
    expect(notBase64.body.errors).toEqual([{ field: 'primaryKey', message: 'must be standard base64' }]);
    const short = await tenant.api.post<Problem>(path(), { clientId: 'm', secondaryKey: Buffer.alloc(8).toString('base64') });
    expect(short.body.errors).toEqual([{ field: 'secondaryKey', message: 'must decode to 16 to 64 bytes (this one is 8)' }]);
    const bad = await tenant.api.post<Problem>(path(), { clientId: '', status: 'ON' });
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['clientId', 'status']);
  });

  it('refuses a client id registered twice', async () => {
    const twice = await tenant.api.post<Problem>(path(), { clientId: 'meter-17' });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('device-exists');
  });

  it('lists devices page by page, never with keys', async () => {
    for (const id of ['a-1', 'a-2', 'a-3']) await tenant.api.post(path(), { clientId: id });
    const first = await tenant.api.get<{ items: Device[]; nextCursor: string }>(`${path()}?limit=2`);
    expect(first.body.items.map((d) => d.clientId)).toEqual(['a-1', 'a-2']);
    const rest = await tenant.api.get<{ items: Device[]; nextCursor: string | null }>(`${path()}?limit=100&after=${encodeURIComponent(first.body.nextCursor)}`);
    expect(rest.body.items.map((d) => d.clientId)).toEqual(['a-3', 'meter-17', 'meter/18 ü']);
    expect(rest.body.nextCursor).toBeNull();
    expect(JSON.stringify([first.body, rest.body])).not.toMatch(/Key/);
    expect((await tenant.api.get<Problem>(`${path()}?limit=0`)).status).toBe(422);
  });

  it('disabling revokes the whole device (no key slot named); enabling announces a change', async () => {
    changes.clear();
    const disabled = await tenant.api.patch<Device>(path('meter-17'), { status: 'DISABLED' });
    expect(disabled.body.status).toBe('DISABLED');
    const revoked = await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
    expect(revoked).toMatchObject({ credential: { type: 'device', clientId: 'meter-17' } });
    expect(revoked).not.toHaveProperty('credential.keySlot');
    changes.clear();
    expect((await tenant.api.patch<Device>(path('meter-17'), { status: 'ENABLED' })).body.status).toBe('ENABLED');
    await changes.next((e) => e.kind === 'credential-changed' && e.instanceId === instance);
    expect((await tenant.api.patch<Problem>(path('meter-17'), {})).status).toBe(422);
    expect((await tenant.api.patch<Problem>(path('nobody'), { status: 'ENABLED' })).body.code).toBe('device-not-found');
  });

  it('replaces a key with a given one, revoking the old one by its slot', async () => {
    const before = await storedKeys('meter-17');
    changes.clear();
    const secondaryKey = Buffer.alloc(64, 1).toString('base64');
    const updated = await tenant.api.patch<Device>(path('meter-17'), { secondaryKey });
    expect(updated.status).toBe(200);
    expect(updated.body).not.toHaveProperty('secondaryKey');
    expect(await storedKeys('meter-17')).toEqual({ primary: before.primary, secondary: secondaryKey });
    const revoked = await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
    expect(revoked).toMatchObject({ credential: { type: 'device', clientId: 'meter-17', keySlot: 'secondary' } });
  });

  it('regenerates one key, shows it once, keeps the other, and revokes the old one by its slot', async () => {
    const before = await storedKeys('meter-17');
    changes.clear();
    const regenerated = await tenant.api.post<Device>(`${path('meter-17')}/keys/regenerate`, { key: 'primary' });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.secondaryKey).toBeUndefined();
    expect(regenerated.body.primaryKey).not.toBe(before.primary);
    expect(await storedKeys('meter-17')).toEqual({ primary: regenerated.body.primaryKey, secondary: before.secondary });
    const revoked = await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
    expect(revoked).toMatchObject({ credential: { type: 'device', clientId: 'meter-17', keySlot: 'primary' } });

    changes.clear();
    const secondary = await tenant.api.post<Device>(`${path('meter-17')}/keys/regenerate`, { key: 'secondary' });
    expect(secondary.body.primaryKey).toBeUndefined();
    const revokedSecondary = await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
    expect(revokedSecondary).toMatchObject({ credential: { type: 'device', clientId: 'meter-17', keySlot: 'secondary' } });
    expect((await storedKeys('meter-17')).secondary).toBe(secondary.body.secondaryKey);

    const bad = await tenant.api.post<Problem>(`${path('meter-17')}/keys/regenerate`, { key: 'tertiary' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.[0]?.field).toBe('key');
    expect((await tenant.api.post<Problem>(`${path('ghost')}/keys/regenerate`, { key: 'primary' })).body.code).toBe('device-not-found');
  });

  it('deletes a device and revokes it', async () => {
    changes.clear();
    expect((await tenant.api.delete(path('a-3'))).status).toBe(204);
    const revoked = await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
    expect(revoked).toMatchObject({ credential: { type: 'device', clientId: 'a-3' } });
    expect(revoked).not.toHaveProperty('credential.keySlot');
    expect((await tenant.api.get<Problem>(path('a-3'))).body.code).toBe('device-not-found');
    expect((await tenant.api.delete<Problem>(path('a-3'))).status).toBe(404);
  });

  it('records every change in the audit log, never a key', async () => {
    const audit = await tenant.api.get<{ items: { action: string; resourceId: string }[] }>('/v1/audit-events?limit=500');
    const actions = new Set(audit.body.items.map((e) => e.action));
    for (const action of ['device.create', 'device.update', 'device.regenerate-key', 'device.delete']) expect(actions).toContain(action);
    const keys = await storedKeys('meter-17');
    expect(JSON.stringify(audit.body)).not.toContain(keys.primary);
    expect(JSON.stringify(audit.body)).not.toContain(keys.secondary);
  });
});
