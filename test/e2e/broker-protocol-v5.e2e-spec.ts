import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { newTenant, runningInstance } from '../support/instances';
import { connectFrom, setPolicy, untilConnack } from '../support/auth';

interface Received {
  topic: string;
  payload: string;
  /** The alias the PUBLISH carried on the wire (mqtt.js resolves the topic itself). */
  alias: number | undefined;
}

/** Resolves with the first `count` messages `client` receives, in order. */
function messages(client: MqttClient, count: number): Promise<Received[]> {
  const received: Received[] = [];
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      received.push({ topic, payload: payload.toString(), alias: packet.properties?.topicAlias });
      if (received.length < count) return;
      client.off('message', onMessage);
      resolve(received);
    };
    client.on('message', onMessage);
  });
}

/** The MQTT 5 features a broker may use toward a client: server keep alive and topic aliases (what the Paho suite checks). */
describe('MQTT 5 toward a client on a basic instance: server keep alive and topic aliases, with mqtt.js', () => {
  let db: TestDatabase;
  let stack: Stack;
  let url: string;
  const clients: MqttClient[] = [];

  async function client(options: IClientOptions): Promise<MqttClient> {
    const connected = await connectFrom(url, { protocolVersion: 5, ...options });
    clients.push(connected);
    return connected;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    const tenant = await newTenant(stack);
    const instance = await runningInstance(tenant, 'protocol', 'basic');
    url = instance.endpoints!.mqtt;
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    await untilConnack(url, { protocolVersion: 5, clientId: 'probe' }, 0);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await stack?.close();
    await db?.drop();
  });

  it('caps a keep alive of 120 s, or none, at 60 s and says so in the CONNACK (Server Keep Alive)', async () => {
    const asked120 = await client({ clientId: 'ka-120', keepalive: 120 });
    expect(asked120.serverProperties?.serverKeepAlive).toBe(60);
    // mqtt.js then pings at the server's value.
    expect(asked120.keepalive).toBe(60);
    const none = await client({ clientId: 'ka-0', keepalive: 0 });
    expect(none.serverProperties?.serverKeepAlive).toBe(60);
    const within = await client({ clientId: 'ka-30', keepalive: 30 });
    expect(within.serverProperties?.serverKeepAlive).toBeUndefined();
  });

  it('delivers with topic aliases to a client allowing 2: the right topics arrive, least recently used aliases are replaced', async () => {
    const subscriber = await client({ clientId: 'alias-sub', properties: { topicAliasMaximum: 2 } });
    await subscriber.subscribeAsync('plant/#', { qos: 1 });
    const publisher = await client({ clientId: 'alias-pub' });
    const sent = [['plant/a', '1'], ['plant/a', '2'], ['plant/b', '3'], ['plant/c', '4'], ['plant/a', '5'], ['plant/c', '6'], ['plant/b', '7']] as const;
    const arriving = messages(subscriber, sent.length);
    for (const [topic, payload] of sent) await publisher.publishAsync(topic, payload, { qos: 1 });
    const received = await arriving;
    expect(received.map(({ topic, payload }) => [topic, payload])).toEqual(sent.map(([topic, payload]) => [topic, payload]));
    // a → 1, b → 2, c takes a's 1, a takes b's 2, c reuses 1, b takes a's 2.
    expect(received.map(({ alias }) => alias)).toEqual([1, 1, 2, 1, 2, 1, 2]);
  });

  it('sends no aliases to a 5.0 client that allows none', async () => {
    const subscriber = await client({ clientId: 'plain-sub' });
    await subscriber.subscribeAsync('plain/#', { qos: 0 });
    const publisher = await client({ clientId: 'plain-pub' });
    const arriving = messages(subscriber, 2);
    for (const payload of ['1', '2']) await publisher.publishAsync('plain/x', payload, { qos: 1 });
    expect(await arriving).toEqual([
      { topic: 'plain/x', payload: '1', alias: undefined },
      { topic: 'plain/x', payload: '2', alias: undefined },
    ]);
  });
});
