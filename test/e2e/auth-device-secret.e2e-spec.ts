import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDeviceToken } from '@mqc/auth-drivers';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { V311, V5, addAuthenticator, connackCode, connectFrom, untilConnack, whenClosed } from '../support/auth';

interface CreatedDevice {
  clientId: string;
  status: string;
  primaryKey: string;
  secondaryKey: string;
}

const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

describe('one device one secret, through the console API and real MQTT clients', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;

  async function newDevice(clientId: string): Promise<CreatedDevice> {
    const created = await tenant.post<CreatedDevice>(`/v1/instances/${instance.id}/devices`, { clientId });
    expect(created.status).toBe(201);
    return created.body;
  }

  /** The MQTT options of a device presenting a token signed with `key`. */
  function device(clientId: string, key: string, expiry = inSeconds(600), protocolVersion: 4 | 5 = 5) {
    return { clientId, username: clientId, password: signDeviceToken(clientId, key, expiry), protocolVersion };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'devices', 'professional');
    url = instance.endpoints!.mqtt;
    await addAuthenticator(tenant, instance.id, 'device-secret', { maxTokenLifetimeSeconds: 3600 });
    const probe = await newDevice('probe');
    await untilConnack(url, device('probe', probe.primaryKey), 0);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('accepts a token signed with the primary key and one signed with the secondary key, over 3.1.1 and 5.0', async () => {
    const meter = await newDevice('meter-1');
    expect(meter.primaryKey).not.toBe(meter.secondaryKey);
    // The keys are shown once.
    expect(JSON.stringify((await tenant.get(`/v1/instances/${instance.id}/devices/meter-1`)).body)).not.toContain(meter.primaryKey);
    for (const protocolVersion of [4, 5] as const) {
      expect(await connackCode(url, device('meter-1', meter.primaryKey, inSeconds(600), protocolVersion))).toBe(0);
      expect(await connackCode(url, device('meter-1', meter.secondaryKey, inSeconds(600), protocolVersion))).toBe(0);
    }
  });

  it('refuses an expired token, a token for another client id, a foreign key and a token valid beyond the maximum with 4 / 0x86', async () => {
    const meter = await newDevice('meter-2');
    await newDevice('meter-3');
    const foreignKey = randomBytes(32).toString('base64');
    for (const [protocolVersion, code] of [[4, V311.badUsernameOrPassword], [5, V5.badUsernameOrPassword]] as const) {
      expect(await connackCode(url, device('meter-2', meter.primaryKey, inSeconds(-10), protocolVersion))).toBe(code);
      expect(await connackCode(url, device('meter-2', foreignKey, inSeconds(600), protocolVersion))).toBe(code);
      expect(await connackCode(url, device('meter-2', meter.primaryKey, inSeconds(7200), protocolVersion))).toBe(code);
      // meter-2's valid token, presented by meter-3.
      expect(await connackCode(url, { ...device('meter-2', meter.primaryKey, inSeconds(600), protocolVersion), clientId: 'meter-3' })).toBe(code);
      // An unknown device is not this authenticator's to judge; the deny policy refuses it.
      expect(await connackCode(url, device('meter-unknown', foreignKey, inSeconds(600), protocolVersion))).toBe(code);
    }
  });

  it('refuses a disabled device with 5 / 0x87 and disconnects its connected client; enabled again, it connects', async () => {
    const meter = await newDevice('meter-4');
    const connected = await connectFrom(url, device('meter-4', meter.primaryKey));
    const closed = whenClosed(connected);
    expect((await tenant.patch(`/v1/instances/${instance.id}/devices/meter-4`, { status: 'DISABLED' })).status).toBe(200);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);
    expect(await connackCode(url, device('meter-4', meter.primaryKey, inSeconds(600), 4))).toBe(V311.notAuthorized);
    expect(await connackCode(url, device('meter-4', meter.secondaryKey, inSeconds(600), 5))).toBe(V5.notAuthorized);

    expect((await tenant.patch(`/v1/instances/${instance.id}/devices/meter-4`, { status: 'ENABLED' })).status).toBe(200);
    expect(await connackCode(url, device('meter-4', meter.primaryKey))).toBe(0);
  });

  it('disconnects the client that used a regenerated key, refuses the old key and accepts the new one and the other key', async () => {
    const meter = await newDevice('meter-5');
    const connected = await connectFrom(url, device('meter-5', meter.primaryKey, inSeconds(600), 4));
    const closed = whenClosed(connected);
    const regenerated = await tenant.post<{ primaryKey?: string; secondaryKey?: string }>(`/v1/instances/${instance.id}/devices/meter-5/keys/regenerate`, { key: 'primary' });
    expect(regenerated.status).toBe(200);
    expect(regenerated.body.secondaryKey).toBeUndefined();
    const newKey = regenerated.body.primaryKey!;
    expect(newKey).not.toBe(meter.primaryKey);
    await closed;

    expect(await connackCode(url, device('meter-5', meter.primaryKey))).toBe(V5.badUsernameOrPassword);
    expect(await connackCode(url, device('meter-5', newKey))).toBe(0);
    expect(await connackCode(url, device('meter-5', meter.secondaryKey, inSeconds(600), 4))).toBe(0);
  });

  it('disconnects a device whose registry entry is deleted; it is then unknown', async () => {
    const meter = await newDevice('meter-6');
    const connected = await connectFrom(url, device('meter-6', meter.secondaryKey));
    const closed = whenClosed(connected);
    expect((await tenant.delete(`/v1/instances/${instance.id}/devices/meter-6`)).status).toBe(204);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);
    expect(await connackCode(url, device('meter-6', meter.secondaryKey))).toBe(V5.badUsernameOrPassword);
  });

  it('disconnects a device when its token expires (se), the other devices stay', async () => {
    const meter = await newDevice('meter-7');
    const other = await newDevice('meter-8');
    const shortLived = await connectFrom(url, device('meter-7', meter.primaryKey, inSeconds(3)));
    const longLived = await connectFrom(url, device('meter-8', other.primaryKey, inSeconds(3600)));
    expect((await whenClosed(shortLived)).reasonCode).toBe(V5.notAuthorized);
    expect(longLived.connected).toBe(true);
    await longLived.endAsync();
  });
});
