import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { V311, V5, addAuthenticator, connackCode, freshSource, untilConnack } from '../support/auth';

const run = promisify(execFile);

interface AuthenticatorView {
  id: string;
  metrics: { total: number; allow: number; deny: number; ignore: number; error: number; latencyMsAvg: number; latencyMsMax: number; reportedAt: string | null };
}

const PBKDF2 = { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 };

describe('username + password against the built-in store, through the console API and real MQTT clients', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;

  async function instanceWithUsers(name: string, userIdType: 'username' | 'clientid', users: { userId: string; password: string; isSuperuser?: boolean }[]) {
    const created = await runningInstance(tenant, name);
    const authenticatorId = await addAuthenticator(tenant, created.id, 'built-in-database', { userIdType, passwordHash: PBKDF2 });
    for (const user of users) expect((await tenant.post(`/v1/instances/${created.id}/users`, user)).status).toBe(201);
    // The new chain reaches the broker shortly after the API answered (SPEC 4: within a second).
    const [first] = users;
    const credentials = userIdType === 'username' ? { username: first!.userId } : { clientId: first!.userId, username: 'any' };
    await untilConnack(created.endpoints!.mqtt, { ...credentials, password: first!.password }, 0);
    return { instance: created, url: created.endpoints!.mqtt, authenticatorId };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    ({ instance, url } = await instanceWithUsers('passwords', 'username', [
      { userId: 'sensor-1', password: 's3cret!' },
      { userId: 'admin', password: 'r00t-pw', isSuperuser: true },
    ]));
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('accepts a user and a superuser with their passwords, over MQTT 3.1.1 and 5.0, over TCP and WebSocket', async () => {
    for (const protocolVersion of [4, 5] as const) {
      expect(await connackCode(url, { protocolVersion, username: 'sensor-1', password: 's3cret!' })).toBe(0);
      expect(await connackCode(url, { protocolVersion, username: 'admin', password: 'r00t-pw' })).toBe(0);
      const overWs = await connectClient(instance.endpoints!.ws, { protocolVersion, username: 'sensor-1', password: 's3cret!' });
      expect(overWs.connected).toBe(true);
      await overWs.endAsync();
    }
  });

  it('refuses a wrong password with 4 (3.1.1) / 0x86 (5.0)', async () => {
    expect(await connackCode(url, { protocolVersion: 4, username: 'sensor-1', password: 'wrong' })).toBe(V311.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 5, username: 'sensor-1', password: 'wrong' })).toBe(V5.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 5, username: 'sensor-1' })).toBe(V5.badUsernameOrPassword);
  });

  it('refuses an unknown user (ignored by the store) as bad credentials, and a client without a username as not authorized, under the default deny policy', async () => {
    expect(await connackCode(url, { protocolVersion: 4, username: 'nobody', password: 's3cret!' })).toBe(V311.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 5, username: 'nobody', password: 's3cret!' })).toBe(V5.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 4 })).toBe(V311.notAuthorized);
    expect(await connackCode(url, { protocolVersion: 5 })).toBe(V5.notAuthorized);
  });

  it('keys users by client id when the authenticator is configured so', async () => {
    const byClientId = await instanceWithUsers('by-client-id', 'clientid', [{ userId: 'meter-17', password: 'm3ter' }]);
    for (const protocolVersion of [4, 5] as const) {
      // The username is whatever the device sends; the client id finds the user.
      expect(await connackCode(byClientId.url, { protocolVersion, clientId: 'meter-17', username: 'anything', password: 'm3ter' })).toBe(0);
    }
    expect(await connackCode(byClientId.url, { protocolVersion: 4, clientId: 'meter-17', username: 'anything', password: 'bad' })).toBe(V311.badUsernameOrPassword);
    // A username equal to a user id is not how this store finds users.
    expect(await connackCode(byClientId.url, { protocolVersion: 5, clientId: 'meter-99', username: 'meter-17', password: 'm3ter' })).toBe(V5.badUsernameOrPassword);
  });

  it('lets mosquitto_pub publish with a user and refuses it a wrong password', async () => {
    const common = ['-h', '127.0.0.1', '-p', String(portOf(url)), '-t', 'plant/1', '-m', 'hello', '-q', '1'];
    await run('mosquitto_pub', [...common, '-u', 'sensor-1', '-P', 's3cret!', '-V', 'mqttv311']);
    const refused = await run('mosquitto_pub', [...common, '-u', 'sensor-1', '-P', 'nope', '-V', 'mqttv5']).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).not.toBe(0);
    expect((refused as { stderr: string }).stderr).toMatch(/bad user name or password/i);
  });

  it('throttles a source after 10 failed CONNECTs: even the right password gets 3 / 0x9F, other sources and other instances are unaffected', async () => {
    const guarded = await instanceWithUsers('guarded', 'username', [{ userId: 'sensor-1', password: 's3cret!' }]);
    const attacker = { source: '127.0.0.1', username: 'sensor-1' };
    for (let i = 0; i < 10; i++) {
      expect(await connackCode(guarded.url, { ...attacker, protocolVersion: 4, password: `guess-${i}` })).toBe(V311.badUsernameOrPassword);
    }
    // The bucket refills slowly (10 a minute): on a busy machine one more guess may still be judged.
    await eventually(async () => expect(await connackCode(guarded.url, { ...attacker, protocolVersion: 4, password: 'guess-x' })).toBe(V311.serverUnavailable), 10_000, 0);
    expect(await connackCode(guarded.url, { ...attacker, protocolVersion: 4, password: 's3cret!' })).toBe(V311.serverUnavailable);
    expect(await connackCode(guarded.url, { ...attacker, protocolVersion: 5, password: 's3cret!' })).toBe(V5.connectionRateExceeded);

    expect(await connackCode(guarded.url, { source: freshSource(), username: 'sensor-1', password: 's3cret!', protocolVersion: 5 })).toBe(0);
    expect(await connackCode(url, { ...attacker, protocolVersion: 5, password: 's3cret!' })).toBe(0);
  });

  it('throttles a flood of CONNECTs with an authentication method nobody supports (0x8C) like failed passwords', async () => {
    const guarded = await instanceWithUsers('guarded-methods', 'username', [{ userId: 'sensor-1', password: 's3cret!' }]);
    const flood = { source: '127.0.0.1', protocolVersion: 5, username: 'nobody', password: 'x', properties: { authenticationMethod: 'SCRAM-SHA-256' } } as const;
    for (let i = 0; i < 10; i++) expect(await connackCode(guarded.url, flood)).toBe(0x8c);
    await eventually(async () => expect(await connackCode(guarded.url, flood)).toBe(V5.connectionRateExceeded), 10_000, 0);
    expect(await connackCode(guarded.url, { source: '127.0.0.1', protocolVersion: 5, username: 'sensor-1', password: 's3cret!' })).toBe(V5.connectionRateExceeded);
  });

  it('reports per-authenticator counters to the console: total, allow, deny, ignore, error and latency', async () => {
    const metered = await instanceWithUsers('metered', 'username', [{ userId: 'sensor-1', password: 's3cret!' }]);
    expect(await connackCode(metered.url, { protocolVersion: 4, username: 'sensor-1', password: 's3cret!' })).toBe(0);
    expect(await connackCode(metered.url, { protocolVersion: 5, username: 'sensor-1', password: 's3cret!' })).toBe(0);
    expect(await connackCode(metered.url, { protocolVersion: 5, username: 'sensor-1', password: 'wrong' })).toBe(V5.badUsernameOrPassword);
    expect(await connackCode(metered.url, { protocolVersion: 5, username: 'stranger', password: 'x' })).toBe(V5.badUsernameOrPassword);

    const metrics = await eventually(async () => {
      const listed = await tenant.get<{ items: AuthenticatorView[] }>(`/v1/instances/${metered.instance.id}/authenticators`);
      expect(listed.status).toBe(200);
      const view = listed.body.items.find((a) => a.id === metered.authenticatorId)!;
      // One more allow: the login that showed the chain had reached the broker.
      expect(view.metrics).toMatchObject({ total: 5, allow: 3, deny: 1, ignore: 1, error: 0 });
      return view.metrics;
    });
    expect(metrics.reportedAt).not.toBeNull();
    expect(metrics.latencyMsMax).toBeGreaterThan(0);
    expect(metrics.latencyMsAvg).toBeGreaterThan(0);
    expect((await tenant.get<AuthenticatorView>(`/v1/instances/${metered.instance.id}/authenticators/${metered.authenticatorId}`)).body.metrics.total).toBe(5);
  });
});
