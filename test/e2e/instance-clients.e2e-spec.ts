import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { addAuthenticator, connectFrom, freshSource, untilConnack, whenClosed } from '../support/auth';
import { newTenant, portOf, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

interface ClientView {
  clientId: string;
  username: string | null;
  connected: boolean;
  connectedAt: string | null;
  disconnectedAt: string | null;
  peerHost: string | null;
  protocolVersion: number | null;
  keepAlive: number | null;
  cleanStart: boolean | null;
  sessionExpiryInterval: number;
  authenticator: { id: string; type: string } | null;
  subscriptions: number;
  queued: number;
  inflight: number;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface RetainedView {
  topic: string;
  payload?: string;
  size: number;
  qos: number;
  properties: Record<string, unknown>;
  storedAt: string;
}

/** The session present flag of the CONNACK that accepted the client (mqtt.js keeps the packet). */
function sessionPresent(client: MqttClient): boolean {
  const connack = (client as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket;
  expect(connack).toBeDefined();
  return connack!.sessionPresent;
}

const PBKDF2 = { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 };

describe('the tenant sees and steers its clients and retained messages (issue 15), with real MQTT clients', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let intruder: ApiClient;
  let instance: string;
  let url: string;
  let authenticator: string;
  const open: MqttClient[] = [];
  const processes: ChildProcess[] = [];

  const clients = (query = '') => tenant.get<Page<ClientView>>(`/v1/instances/${instance}/clients${query}`);
  const ids = (page: Page<ClientView>) => page.items.map((c) => c.clientId);
  const user = (options: Parameters<typeof connectFrom>[1] = {}) => ({ username: 'sensor', password: 's3cret', ...options });
  async function device(options: Parameters<typeof connectFrom>[1]): Promise<MqttClient> {
    const client = await connectFrom(url, options);
    open.push(client);
    return client;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    intruder = await newTenant(stack, 'intruder');
    const created = await runningInstance(tenant, 'console');
    instance = created.id;
    url = created.endpoints!.mqtt;
    authenticator = await addAuthenticator(tenant, instance, 'built-in-database', { userIdType: 'username', passwordHash: PBKDF2 });
    expect((await tenant.post(`/v1/instances/${instance}/users`, { userId: 'sensor', password: 's3cret' })).status).toBe(201);
    await untilConnack(url, user(), 0);
  });

  afterAll(async () => {
    for (const child of processes) child.kill('SIGKILL');
    for (const client of open) client.end(true);
    await stack?.close();
    await db?.drop();
  });

  it('lists connected clients and offline persistent sessions while mqtt.js and mosquitto devices come and go; filters and pages', async () => {
    const source = freshSource();
    const a = await device(user({ protocolVersion: 5, clientId: 'dev-a', clean: false, properties: { sessionExpiryInterval: 3600 }, keepalive: 30, source }));
    await a.subscribeAsync('a/+', { qos: 1 });
    await a.subscribeAsync('$share/g/s/#', { qos: 0, nl: false });
    const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(portOf(url)), '-V', 'mqttv311', '-i', 'dev-b', '-c', '-q', '1', '-t', 'b/#', '-u', 'sensor', '-P', 's3cret']);
    processes.push(sub);
    const other = await device(user({ protocolVersion: 4, clientId: 'other-c' }));

    const all = await eventually(async () => {
      const page = await clients();
      expect(page.status).toBe(200);
      expect(ids(page.body)).toEqual(['dev-a', 'dev-b', 'other-c']);
      expect(page.body.items.every((c) => c.connected)).toBe(true);
      return page.body;
    }, 10_000, 100);
    expect(all.nextCursor).toBeNull();
    const [devA, devB] = all.items;
    expect(devA).toMatchObject({
      username: 'sensor',
      peerHost: source,
      protocolVersion: 5,
      keepAlive: 30,
      cleanStart: false,
      sessionExpiryInterval: 3600,
      authenticator: { id: authenticator, type: 'built-in-database' },
      subscriptions: 2,
      disconnectedAt: null,
    });
    expect(devB).toMatchObject({ protocolVersion: 4, cleanStart: false, subscriptions: 1, authenticator: { id: authenticator, type: 'built-in-database' } });
    expect(devB!.sessionExpiryInterval).toBeGreaterThan(0);

    // mosquitto_sub goes away: its persistent session stays, offline; the clean session of other-c ends with it.
    sub.kill('SIGKILL');
    await other.endAsync();
    const offline = await eventually(async () => {
      const page = await clients('?connected=false');
      expect(ids(page.body)).toEqual(['dev-b']);
      return page.body.items[0]!;
    }, 10_000, 100);
    expect(offline.disconnectedAt).not.toBeNull();
    expect(offline.connectedAt).not.toBeNull();
    expect(ids((await clients()).body)).toEqual(['dev-a', 'dev-b']);
    expect(ids((await clients('?connected=true')).body)).toEqual(['dev-a']);

    // Filters: client id prefix, exact user name and source address.
    await device({ protocolVersion: 5, clientId: 'zeta', username: 'sensor', password: 's3cret' });
    expect(ids((await clients('?clientId=dev-')).body)).toEqual(['dev-a', 'dev-b']);
    expect(ids((await clients(`?peerHost=${source}`)).body)).toEqual(['dev-a']);
    expect(ids((await clients('?username=nobody')).body)).toEqual([]);
    expect(ids((await clients('?username=sensor&connected=true')).body)).toEqual(['dev-a', 'zeta']);

    // Pages of one, following nextCursor.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page<ClientView> } = await clients(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(['dev-a', 'dev-b', 'zeta']);

    // One client with its subscriptions.
    const detail = await tenant.get<ClientView & { subscriptions: unknown[] }>(`/v1/instances/${instance}/clients/dev-a`);
    expect(detail.status).toBe(200);
    expect(detail.body.subscriptions).toEqual([
      { filter: 'a/+', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 },
      { filter: 's/#', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0, shareGroup: 'g' },
    ]);
    expect((await tenant.get(`/v1/instances/${instance}/clients/nobody`)).body).toMatchObject({ status: 404, code: 'client-not-found' });
  });

  it('validates the query: limit bounds, cursor format, boolean flags (422 problem+json)', async () => {
    for (const query of ['?limit=0', '?limit=201', '?limit=x', '?cursor=not%20a%20cursor', '?connected=maybe', '?unknown=1']) {
      const answer = await clients(query);
      expect(answer.status, query).toBe(422);
      expect(answer.body, query).toMatchObject({ code: 'validation-failed' });
    }
    expect((await tenant.get(`/v1/instances/${instance}/retained?topic=a/%23/b`)).status).toBe(422);
    expect((await tenant.delete(`/v1/instances/${instance}/retained?topic=a/%2B`)).status).toBe(422);
    expect((await tenant.delete(`/v1/instances/${instance}/clients/x?clearSession=yes`)).status).toBe(422);
  });

  it('kicks a client: MQTT 5 sees DISCONNECT 0x98, 3.1.1 a close; clearSession=true drops the session', async () => {
    const v5 = await device({ protocolVersion: 5, clientId: 'kick-5', username: 'sensor', password: 's3cret', clean: false, properties: { sessionExpiryInterval: 3600 } });
    await v5.subscribeAsync('k/5', { qos: 1 });
    const v4 = await device({ protocolVersion: 4, clientId: 'kick-4', username: 'sensor', password: 's3cret' });
    const closed5 = whenClosed(v5);
    const closed4 = whenClosed(v4);
    expect((await tenant.delete(`/v1/instances/${instance}/clients/kick-5`)).status).toBe(204);
    expect((await tenant.delete(`/v1/instances/${instance}/clients/kick-4`)).status).toBe(204);
    expect((await closed5).reasonCode).toBe(0x98);
    expect((await closed4).reasonCode).toBeUndefined();

    // Without clearSession the persistent session stays: the client finds it again.
    const offline = await tenant.get<ClientView & { subscriptions: unknown[] }>(`/v1/instances/${instance}/clients/kick-5`);
    expect(offline.body).toMatchObject({ connected: false, subscriptions: [expect.objectContaining({ filter: 'k/5' })] });
    expect((await tenant.delete(`/v1/instances/${instance}/clients/kick-5`)).body).toMatchObject({ status: 409, code: 'client-not-connected' });
    const back = await device({ protocolVersion: 5, clientId: 'kick-5', username: 'sensor', password: 's3cret', clean: false, properties: { sessionExpiryInterval: 3600 } });
    expect(sessionPresent(back)).toBe(true);

    const closedAgain = whenClosed(back);
    expect((await tenant.delete(`/v1/instances/${instance}/clients/kick-5?clearSession=true`)).status).toBe(204);
    expect((await closedAgain).reasonCode).toBe(0x98);
    expect((await tenant.get(`/v1/instances/${instance}/clients/kick-5`)).status).toBe(404);
    const fresh = await device({ protocolVersion: 5, clientId: 'kick-5', username: 'sensor', password: 's3cret', clean: false, properties: { sessionExpiryInterval: 3600 } });
    expect(sessionPresent(fresh)).toBe(false);
    expect((await tenant.delete(`/v1/instances/${instance}/clients/nobody`)).status).toBe(404);
    const audit = await tenant.get<{ items: { action: string; resourceId: string; details: Record<string, unknown> }[] }>('/v1/audit-events?limit=50');
    expect(audit.body.items.filter((e) => e.action === 'client.disconnect').map((e) => [e.resourceId, e.details])).toEqual([
      ['kick-5', { instanceId: instance, disconnected: true, sessionCleared: true }],
      ['kick-4', { instanceId: instance, disconnected: true, sessionCleared: false }],
      ['kick-5', { instanceId: instance, disconnected: true, sessionCleared: false }],
    ]);
  });

  it('browses retained messages by filter, page by page, and clears one as an empty retained publish would', async () => {
    const publisher = await device({ protocolVersion: 5, clientId: 'retainer', username: 'sensor', password: 's3cret' });
    await publisher.publishAsync('r/1', 'one', { retain: true, qos: 1 });
    await publisher.publishAsync('r/2', Buffer.alloc(5_000, 7), { retain: true, qos: 0 });
    await publisher.publishAsync('r/3/x', 'three', { retain: true, qos: 1, properties: { contentType: 'text/plain', userProperties: { site: 'north' }, correlationData: Buffer.from('cid') } });
    await publisher.publishAsync('other', 'x', { retain: true });

    const browse = (query: string) => tenant.get<Page<RetainedView>>(`/v1/instances/${instance}/retained${query}`);
    const first = await eventually(async () => {
      const page = await browse('?topic=r/%23&limit=2');
      expect(page.status).toBe(200);
      expect(page.body.items.map((m) => m.topic)).toEqual(['r/1', 'r/2']);
      return page.body;
    }, 5_000, 50);
    expect(first.items[0]).toMatchObject({ payload: Buffer.from('one').toString('base64'), size: 3, qos: 1, properties: {} });
    expect(new Date(first.items[0]!.storedAt).getTime()).toBeGreaterThan(0);
    expect(first.items[1]).toMatchObject({ size: 5_000, qos: 0 });
    expect(first.items[1]!.payload).toBeUndefined();
    const second = await browse(`?topic=r/%23&limit=2&cursor=${first.nextCursor}`);
    expect(second.body.items).toEqual([
      expect.objectContaining({ topic: 'r/3/x', payload: Buffer.from('three').toString('base64'), properties: { contentType: 'text/plain', userProperties: { site: 'north' }, correlationData: Buffer.from('cid').toString('base64') } }),
    ]);
    expect(second.body.nextCursor).toBeNull();
    expect((await browse('')).body.items.map((m) => m.topic)).toEqual(['other', 'r/1', 'r/2', 'r/3/x']);
    expect((await browse('?topic=r/%2B')).body.items.map((m) => m.topic)).toEqual(['r/1', 'r/2']);

    expect((await tenant.delete(`/v1/instances/${instance}/retained?topic=r/1`)).status).toBe(204);
    expect((await browse('?topic=r/%23')).body.items.map((m) => m.topic)).toEqual(['r/2', 'r/3/x']);
    expect((await tenant.delete(`/v1/instances/${instance}/retained?topic=r/1`)).body).toMatchObject({ status: 404, code: 'retained-message-not-found' });
    const audit = await tenant.get<{ items: { action: string; resourceId: string }[] }>('/v1/audit-events?limit=50');
    expect(audit.body.items.filter((e) => e.action === 'retained.delete').map((e) => e.resourceId)).toEqual(['r/1']);
    // A new subscriber gets the retained messages left, not the cleared one.
    const reader = await device({ protocolVersion: 5, clientId: 'reader', username: 'sensor', password: 's3cret' });
    const received: string[] = [];
    reader.on('message', (topic) => received.push(topic));
    await reader.subscribeAsync('r/+', { qos: 1 });
    await eventually(() => expect(received).toEqual(['r/2']), 5_000, 50);
  });

  it('answers 404 on every route for another tenant, exactly as for a missing instance', async () => {
    const routes: [string, (api: ApiClient, at: string) => Promise<{ status: number; body: unknown }>][] = [
      ['GET clients', (api, at) => api.get(`/v1/instances/${at}/clients`)],
      ['GET client', (api, at) => api.get(`/v1/instances/${at}/clients/dev-a`)],
      ['DELETE client', (api, at) => api.delete(`/v1/instances/${at}/clients/dev-a?clearSession=true`)],
      ['GET retained', (api, at) => api.get(`/v1/instances/${at}/retained?topic=%23`)],
      ['DELETE retained', (api, at) => api.delete(`/v1/instances/${at}/retained?topic=r/2`)],
      ['POST authenticator test', (api, at) => api.post(`/v1/instances/${at}/authenticators/${authenticator}/test`, { clientId: 'c', username: 'sensor', password: 's3cret' })],
    ];
    for (const [name, call] of routes) {
      const foreign = await call(intruder, instance);
      const missing = await call(intruder, randomUUID());
      expect(foreign.status, name).toBe(404);
      expect(foreign.body, name).toEqual(missing.body);
    }
    // Nothing was changed by the attempts.
    expect((await tenant.get(`/v1/instances/${instance}/clients/dev-a`)).status).toBe(200);
    expect((await tenant.get<Page<RetainedView>>(`/v1/instances/${instance}/retained?topic=r/2`)).body.items).toHaveLength(1);
  });
});
