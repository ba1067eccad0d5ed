import { connect as connectTcp } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { createTestDatabase, eventually, testConfig, type ApiClient, type TestDatabase } from '@mqc/testing';
import { addAuthenticator } from '../support/auth';
import { connectClient, newTenant, nextMessage, portOf, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const DOMAIN = 'mqtt.test';

/** Whether something listens on the port (a TCP connection is accepted). */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

/** Resolves once the client's connection is gone. */
const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));

describe('an edition change that moves endpoints (issue 16): ports allocated on upgrade, released on downgrade', () => {
  const base = testConfig();
  // Exactly three instance ports: one instance with ports of its own uses the whole range.
  const brokerPorts = { first: base.brokerPorts.first, last: base.brokerPorts.first + 2 };
  const config = testConfig({ brokerPorts, sharedTlsPort: base.brokerPorts.last, publicDomain: DOMAIN });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let plant: InstanceView;
  let other: InstanceView;
  let ca: string;

  /** mqtt.js over TLS to the shared port, naming the instance. */
  const viaShared = (instance: InstanceView, instanceCa: string, userId: string) =>
    connectClient(`mqtts://127.0.0.1:${config.sharedTlsPort}`, { servername: `${instance.id}.${DOMAIN}`, ca: instanceCa, rejectUnauthorized: true, username: userId, password: `${userId}-pw` });

  async function basicWithUser(name: string, userId: string): Promise<{ view: InstanceView; ca: string }> {
    const view = await runningInstance(tenant, name, 'basic');
    await addAuthenticator(tenant, view.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${view.id}/users`, { userId, password: `${userId}-pw` })).status).toBe(201);
    const instanceCa = (await tenant.get<string>(`/v1/instances/${view.id}/ca.pem`)).body;
    await eventually(async () => (await viaShared(view, instanceCa, userId)).endAsync(), 10_000);
    return { view, ca: instanceCa };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    ({ view: plant, ca } = await basicWithUser('plant', 'alice'));
    ({ view: other } = await basicWithUser('other', 'bob'));
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('upgrading a shared-only basic instance to professional gives it ports of its own that clients connect to', async () => {
    expect(plant.endpoints).toEqual({ mqttsShared: expect.any(String), wssShared: expect.any(String) });
    const up = await tenant.patch<InstanceView>(`/v1/instances/${plant.id}`, { edition: 'professional' });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    const endpoints = up.body.endpoints!;
    expect(endpoints).toMatchObject({ mqtt: expect.any(String), mqtts: expect.any(String), ws: expect.any(String), mqttsShared: expect.any(String) });
    const ports = [endpoints.mqtt, endpoints.mqtts, endpoints.ws].map((url) => portOf(url!));
    expect(ports.sort()).toEqual([brokerPorts.first, brokerPorts.first + 1, brokerPorts.first + 2]);
    plant = up.body;
    // The node opens the listeners on the change event: plain MQTT and MQTT over TLS on the new ports.
    const plain = await eventually(() => connectClient(endpoints.mqtt!, { username: 'alice', password: 'alice-pw' }), 10_000);
    const tls = await connectClient(endpoints.mqtts!, { ca, servername: 'localhost', username: 'alice', password: 'alice-pw' });
    try {
      await plain.subscribeAsync('line/1');
      const got = nextMessage(plain);
      await tls.publishAsync('line/1', 'on its own ports', { qos: 1 });
      expect(await got).toEqual({ topic: 'line/1', payload: 'on its own ports' });
    } finally {
      await Promise.all([plain.endAsync(), tls.endAsync()]);
    }
  });

  it('refuses an upgrade with 503 no-free-ports when the range is used up, and the instance stays as it was', async () => {
    const refused = await tenant.patch(`/v1/instances/${other.id}`, { edition: 'professional' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'no-free-ports', detail: expect.stringContaining('MQC_BROKER_PORTS') });
    const current = await tenant.get<InstanceView>(`/v1/instances/${other.id}`);
    expect(current.body).toMatchObject({ edition: 'basic', endpoints: { mqttsShared: expect.any(String) } });
    expect(current.body.endpoints?.mqtt).toBeUndefined();
  });

  it('downgrading to basic closes its own ports (their clients disconnected) while the shared endpoint keeps serving', async () => {
    const own = await connectClient(plant.endpoints!.mqtt!, { username: 'alice', password: 'alice-pw' });
    const shared = await viaShared(plant, ca, 'alice');
    const ownGone = closed(own);
    const down = await tenant.patch<InstanceView>(`/v1/instances/${plant.id}`, { edition: 'basic' });
    expect(down.status, JSON.stringify(down.body)).toBe(200);
    expect(down.body.endpoints).toEqual({ mqttsShared: expect.any(String), wssShared: expect.any(String) });
    await ownGone;
    for (const url of [plant.endpoints!.mqtt!, plant.endpoints!.mqtts!, plant.endpoints!.ws!]) await eventually(async () => expect(await listening(portOf(url))).toBe(false), 10_000);
    try {
      // The client on the shared endpoint stayed connected, and the instance still routes its messages.
      expect(shared.connected).toBe(true);
      await shared.subscribeAsync('line/2');
      const got = nextMessage(shared);
      const second = await viaShared(plant, ca, 'alice');
      await second.publishAsync('line/2', 'shared still serves', { qos: 1 });
      expect(await got).toEqual({ topic: 'line/2', payload: 'shared still serves' });
      await second.endAsync();
    } finally {
      await shared.endAsync();
      own.end(true);
    }
  });

  it('the released ports go to the next instance upgraded, whose own clients connect on them', async () => {
    const up = await tenant.patch<InstanceView>(`/v1/instances/${other.id}`, { edition: 'professional' });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.endpoints!.mqtt).toBe(plant.endpoints!.mqtt);
    // bob is a user of "other" only: the port now serves that instance.
    const bob = await eventually(() => connectClient(up.body.endpoints!.mqtt!, { username: 'bob', password: 'bob-pw' }), 10_000);
    await bob.endAsync();
    await expect(connectClient(up.body.endpoints!.mqtt!, { username: 'alice', password: 'alice-pw' })).rejects.toMatchObject({ code: 4 });
  });
});
