import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { IPublishPacket } from 'mqtt-packet';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker } from '../protocol/instance-broker';
import { allowAll, openClient } from '../protocol/testing/broker-fixture';
import type { PacketClient } from '../protocol/testing/packet-client';
import { DurableStore } from './durable-store';
import { NatsUnreachableError } from './nats-connection';

const natsUrl = process.env['MQC_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
const prefix = `mqc-test-${randomBytes(4).toString('hex')}`;
const logger = pino({ enabled: false });
const stores: DurableStore[] = [];

/** One broker node's view of an instance: a store connection of its own and the engine rebuilt from it. */
async function startNode(instanceId: string): Promise<{ broker: InstanceBroker; store: DurableStore }> {
  const store = await DurableStore.open({ natsUrl, prefix, replicas: 1, name: 'test' }, logger);
  stores.push(store);
  const { store: durability, state } = await store.loadInstanceState(instanceId);
  const broker = new InstanceBroker({ instanceId, limits: { ...DEFAULT_INSTANCE_LIMITS }, authenticate: allowAll, durability });
  broker.restore(state);
  return { broker, store };
}

/** The node stops without a goodbye: what was written stays, nothing more is written, its clients lose their sockets. */
async function crash(node: { store: DurableStore }, clients: PacketClient[]): Promise<void> {
  await node.store.close();
  for (const client of clients) client.stream.destroy();
}

async function connect5(broker: InstanceBroker, clientId: string, clean = false, expiry = 3600) {
  const client = openClient(broker, 5);
  const connack = await client.connect({ clientId, clean, properties: { sessionExpiryInterval: expiry } });
  return { client, connack };
}

async function connect311(broker: InstanceBroker, clientId: string, clean = false) {
  const client = openClient(broker, 4);
  const connack = await client.connect({ clientId, clean });
  return { client, connack };
}

function payloads(packets: IPublishPacket[]): string[] {
  return packets.map((p) => p.payload.toString());
}

afterAll(async () => {
  const cleanup = await DurableStore.open({ natsUrl, prefix, replicas: 1, name: 'cleanup' }, logger);
  await cleanup.deleteStreams();
  await cleanup.close();
  await Promise.allSettled(stores.map((s) => s.close()));
});

describe('DurableStore (NATS JetStream)', () => {
  it('refuses a server that cannot be reached, in one line naming NATS_URL', async () => {
    await expect(DurableStore.open({ natsUrl: 'nats://127.0.0.1:1', prefix, replicas: 1, name: 'x' }, logger)).rejects.toThrow(NatsUnreachableError);
    await expect(DurableStore.open({ natsUrl: 'nats://127.0.0.1:1', prefix, replicas: 1, name: 'x' }, logger)).rejects.toThrow(/NATS_URL/);
  });

  it('keeps retained messages with their properties and expiry; a cleared topic stays cleared', async () => {
    const node = await startNode('retained-1');
    const { client: pub } = await connect5(node.broker, 'pub', true, 0);
    pub.publish('a/kept', 'kept', { qos: 1, retain: true, properties: { contentType: 'text/plain', userProperties: { k: 'v' }, correlationData: Buffer.from('corr'), messageExpiryInterval: 3600 } });
    expect((await pub.expect('puback')).reasonCode ?? 0).toBe(0);
    pub.publish('a/cleared', 'soon gone', { qos: 1, retain: true });
    await pub.expect('puback');
    pub.publish('a/cleared', '', { qos: 1, retain: true });
    await pub.expect('puback');
    await crash(node, [pub]);

    const next = await startNode('retained-1');
    const { client: sub } = await connect5(next.broker, 'sub', true, 0);
    await sub.subscribe({ topic: 'a/#', qos: 1 });
    const message = await sub.expect('publish');
    expect(message.topic).toBe('a/kept');
    expect(message.retain).toBe(true);
    expect(message.payload.toString()).toBe('kept');
    expect(message.properties?.contentType).toBe('text/plain');
    expect(message.properties?.userProperties).toEqual({ k: 'v' });
    expect(Buffer.from(message.properties?.correlationData ?? []).toString()).toBe('corr');
    expect(message.properties?.messageExpiryInterval).toBeLessThanOrEqual(3600);
    expect(await sub.nothingReceived(50)).toBe(true);
    await next.broker.close();
  });

  it('an offline 3.1.1 persistent session keeps its subscription and queued QoS 1 and 2 messages, in order', async () => {
    const node = await startNode('offline-1');
    const { client: sub } = await connect311(node.broker, 'sub', false);
    await sub.subscribe([{ topic: 't/1', qos: 1 }, { topic: 't/2', qos: 2 }]);
    sub.send({ cmd: 'disconnect' });
    await sub.closed;
    const { client: pub } = await connect311(node.broker, 'pub', true);
    for (let i = 0; i < 5; i++) {
      pub.publish(i % 2 === 0 ? 't/1' : 't/2', `m${i}`, { qos: i % 2 === 0 ? 1 : 2 });
      await pub.expect(i % 2 === 0 ? 'puback' : 'pubrec');
    }
    await crash(node, [pub]);

    const next = await startNode('offline-1');
    // The tenant's client list shows what the session's last connection was, before it comes back (issue 15).
    const { items } = await next.broker.listClients({ clientId: 'sub', limit: 10 });
    expect(items).toEqual([
      expect.objectContaining({ clientId: 'sub', connected: false, peerHost: '10.0.0.1', protocolVersion: 4, cleanStart: false, keepAlive: expect.any(Number), connectedAt: expect.any(String) }),
    ]);
    const { client: back, connack } = await connect311(next.broker, 'sub', false);
    expect(connack.sessionPresent).toBe(true);
    const received: IPublishPacket[] = [];
    for (let i = 0; i < 5; i++) received.push(await back.expect('publish'));
    expect(payloads(received)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    for (const message of received) {
      if (message.qos === 1) back.send({ cmd: 'puback', messageId: message.messageId });
      else {
        back.send({ cmd: 'pubrec', messageId: message.messageId });
        await back.expect('pubrel');
        back.send({ cmd: 'pubcomp', messageId: message.messageId });
      }
    }
    expect(received.map((m) => m.qos)).toEqual([1, 2, 1, 2, 1]);
    // The subscription survived: a new message reaches it.
    const { client: pub2 } = await connect311(next.broker, 'pub2', true);
    pub2.publish('t/1', 'after', { qos: 1 });
    expect((await back.expect('publish')).payload.toString()).toBe('after');
    await next.broker.close();
  });

  it('acknowledged deliveries are not sent again; unacknowledged ones are resent with DUP and their packet ids; a released QoS 2 gets PUBREL, not the message', async () => {
    const node = await startNode('online-1');
    const { client: sub } = await connect5(node.broker, 'sub');
    await sub.subscribe([{ topic: 'q1', qos: 1 }, { topic: 'q2', qos: 2 }]);
    const { client: pub } = await connect5(node.broker, 'pub', true, 0);
    for (const [topic, qos, payload] of [['q1', 1, 'acked'], ['q1', 1, 'unacked'], ['q2', 2, 'released'], ['q2', 2, 'received']] as const) {
      pub.publish(topic, payload, { qos });
      await pub.expect(qos === 1 ? 'puback' : 'pubrec');
    }
    const sent = [await sub.expect('publish'), await sub.expect('publish'), await sub.expect('publish'), await sub.expect('publish')];
    expect(payloads(sent)).toEqual(['acked', 'unacked', 'released', 'received']);
    sub.send({ cmd: 'puback', messageId: sent[0].messageId });
    sub.send({ cmd: 'pubrec', messageId: sent[2].messageId });
    expect((await sub.expect('pubrel')).messageId).toBe(sent[2].messageId);
    await crash(node, [sub, pub]);

    const next = await startNode('online-1');
    const { client: back, connack } = await connect5(next.broker, 'sub');
    expect(connack.sessionPresent).toBe(true);
    const first = await back.expect('publish');
    expect([first.payload.toString(), first.dup, first.messageId]).toEqual(['unacked', true, sent[1].messageId]);
    expect((await back.expect('pubrel')).messageId).toBe(sent[2].messageId);
    const third = await back.expect('publish');
    expect([third.payload.toString(), third.dup, third.messageId]).toEqual(['received', true, sent[3].messageId]);
    expect(await back.nothingReceived(50)).toBe(true);
    await next.broker.close();
  });

  it('inbound QoS 2: a PUBLISH sent again after the restart is acknowledged, not delivered twice', async () => {
    const node = await startNode('inbound-1');
    const { client: sub } = await connect5(node.broker, 'sub');
    await sub.subscribe({ topic: 'x', qos: 2 });
    sub.send({ cmd: 'disconnect' });
    await sub.closed;
    const { client: pub } = await connect5(node.broker, 'pub');
    pub.publish('x', 'once', { qos: 2, messageId: 42 });
    expect((await pub.expect('pubrec')).messageId).toBe(42);
    await crash(node, [pub]);

    const next = await startNode('inbound-1');
    const { client: again, connack } = await connect5(next.broker, 'pub');
    expect(connack.sessionPresent).toBe(true);
    again.publish('x', 'once', { qos: 2, messageId: 42, dup: true });
    expect((await again.expect('pubrec')).messageId).toBe(42);
    again.send({ cmd: 'pubrel', messageId: 42 });
    expect((await again.expect('pubcomp')).reasonCode ?? 0).toBe(0);
    const { client: back } = await connect5(next.broker, 'sub');
    const message = await back.expect('publish');
    expect(message.payload.toString()).toBe('once');
    back.send({ cmd: 'pubrec', messageId: message.messageId });
    await back.expect('pubrel');
    back.send({ cmd: 'pubcomp', messageId: message.messageId });
    expect(await back.nothingReceived(50)).toBe(true);
    await next.broker.close();
  });

  it('a session online when its node died keeps its will: published after its delay once the instance is served again', async () => {
    const node = await startNode('will-1');
    const device = openClient(node.broker, 5);
    const connack = await device.connect({
      clientId: 'device',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
      will: { topic: 'status/device', payload: Buffer.from('gone'), qos: 1, retain: false, properties: { willDelayInterval: 1 } },
    });
    expect(connack.reasonCode).toBe(0);
    await crash(node, [device]);

    const next = await startNode('will-1');
    const { client: watcher } = await connect5(next.broker, 'watcher', true, 0);
    await watcher.subscribe({ topic: 'status/#', qos: 1 });
    const will = await watcher.expect('publish');
    expect([will.topic, will.payload.toString()]).toEqual(['status/device', 'gone']);
    await next.broker.close();
  });

  it('a PUBACK means stored: when the store cannot write, a 5.0 publisher gets 0x80 instead', async () => {
    const node = await startNode('unstored-1');
    const { client: sub } = await connect5(node.broker, 'sub');
    await sub.subscribe({ topic: 'y', qos: 1 });
    const { client: pub } = await connect5(node.broker, 'pub', true, 0);
    await node.store.close();
    pub.publish('y', 'lost', { qos: 1 });
    expect((await pub.expect('puback')).reasonCode).toBe(0x80);
    await node.broker.close();
  });

  it('clean sessions and QoS 0 never touch NATS: no stream is created for them', async () => {
    const own = `mqc-test-${randomBytes(4).toString('hex')}`;
    const store = await DurableStore.open({ natsUrl, prefix: own, replicas: 1, name: 'test' }, logger);
    stores.push(store);
    const { store: durability, state } = await store.loadInstanceState('clean-1');
    const broker = new InstanceBroker({ instanceId: 'clean-1', limits: { ...DEFAULT_INSTANCE_LIMITS }, authenticate: allowAll, durability });
    broker.restore(state);
    const sub = openClient(broker, 4);
    await sub.connect({ clientId: 'sub', clean: true });
    await sub.subscribe({ topic: 'z', qos: 1 });
    const pub = openClient(broker, 4);
    await pub.connect({ clientId: 'pub', clean: true });
    pub.publish('z', 'a', { qos: 1 });
    await pub.expect('puback');
    pub.publish('z', 'b', { qos: 0 });
    await sub.expect('publish');
    await sub.expect('publish');
    const nc = await connect({ servers: natsUrl });
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.info(`${own}_queue`)).rejects.toThrow(/stream not found/);
    await expect(jsm.streams.info(`${own}_sessions`)).rejects.toThrow(/stream not found/);
    await nc.close();
    await broker.close();
  });
});
