import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectClient, createBroker, openClient } from './testing/broker-fixture';
import type { PacketClient } from './testing/packet-client';
import type { InstanceBroker } from './instance-broker';

const persistent5 = { clean: false, properties: { sessionExpiryInterval: 300 } };

async function watcher(broker: InstanceBroker, filter = 'will/#'): Promise<PacketClient> {
  const client = await connectClient(broker, 5, { clientId: `watch-${filter}` });
  await client.subscribe({ topic: filter, qos: 1 });
  return client;
}

function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('persistent sessions', () => {
  it('3.1.1 clean session 0: subscriptions and queued QoS 1 messages survive a reconnect; session present 1', async () => {
    const broker = createBroker();
    const first = await connectClient(broker, 4, { clientId: 'dev', clean: false });
    await first.subscribe({ topic: 'q', qos: 1 });
    first.send({ cmd: 'disconnect' });
    await first.closed;
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('q', 'while-away', { qos: 1 });
    await pub.expect('puback');
    const again = await connectClient(broker, 4, { clientId: 'dev', clean: false });
    expect((await again.expect('publish')).payload.toString()).toBe('while-away');
    await broker.close();
  });

  it('reports session present on resume [MQTT-3.2.2-2] and not with clean start [MQTT-3.2.2-1]', async () => {
    const broker = createBroker();
    const connack = async (clean: boolean) => {
      const client = openClient(broker, 5);
      const ack = await client.connect({ clientId: 'dev', clean, properties: { sessionExpiryInterval: 300 } });
      client.send({ cmd: 'disconnect', reasonCode: 0 });
      await client.closed;
      return ack.sessionPresent;
    };
    expect(await connack(false)).toBe(false);
    expect(await connack(false)).toBe(true);
    expect(await connack(true)).toBe(false);
    await broker.close();
  });

  it('redelivers unacknowledged QoS 1 with DUP and the same packet id, and resends PUBREL, on reconnect [MQTT-4.4.0-1]', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub', clean: false });
    await sub.subscribe({ topic: 't/#', qos: 2 });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('t/1', 'unacked', { qos: 1 });
    pub.publish('t/2', 'half-done', { qos: 2 });
    const unacked = await sub.expect('publish');
    const halfDone = await sub.expect('publish');
    sub.send({ cmd: 'pubrec', messageId: halfDone.messageId });
    await sub.expect('pubrel');
    sub.stream.destroy();
    await sub.closed;
    const again = await connectClient(broker, 4, { clientId: 'sub', clean: false });
    const redelivered = await again.expect('publish');
    expect(redelivered).toMatchObject({ topic: 't/1', dup: true, messageId: unacked.messageId });
    expect((await again.expect('pubrel')).messageId).toBe(halfDone.messageId);
    await broker.close();
  });

  it('clean start discards the old session: no subscriptions, no queued messages', async () => {
    const broker = createBroker();
    const first = await connectClient(broker, 4, { clientId: 'dev', clean: false });
    await first.subscribe({ topic: 'q', qos: 1 });
    first.send({ cmd: 'disconnect' });
    await first.closed;
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('q', 'lost', { qos: 1 });
    await pub.expect('puback');
    const fresh = await connectClient(broker, 4, { clientId: 'dev', clean: true });
    pub.publish('q', 'not subscribed', { qos: 1 });
    expect(await fresh.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('queues at most maxQueuedMessages per offline session, dropping the oldest QoS 0 first', async () => {
    const broker = createBroker({ maxQueuedMessages: 2 });
    const first = await connectClient(broker, 4, { clientId: 'dev', clean: false });
    await first.subscribe({ topic: 'q', qos: 1 });
    first.send({ cmd: 'disconnect' });
    await first.closed;
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('q', 'qos1-a', { qos: 1 });
    pub.publish('q', 'qos0', { qos: 0 });
    pub.publish('q', 'qos1-b', { qos: 1 });
    await pub.expect('puback');
    await pub.expect('puback');
    const again = await connectClient(broker, 4, { clientId: 'dev', clean: false });
    const payloads = [(await again.expect('publish')).payload.toString(), (await again.expect('publish')).payload.toString()];
    expect(payloads).toEqual(['qos1-a', 'qos1-b']);
    expect(await again.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('5.0: a session ends after its expiry interval; reconnecting then finds no session', async () => {
    useFakeClock();
    const broker = createBroker();
    const options = { clientId: 'dev', clean: false, properties: { sessionExpiryInterval: 10 } };
    const first = await connectClient(broker, 5, options);
    first.send({ cmd: 'disconnect', reasonCode: 0 });
    await first.closed;
    vi.advanceTimersByTime(9_000);
    const within = openClient(broker, 5);
    expect((await within.connect(options)).sessionPresent).toBe(true);
    within.send({ cmd: 'disconnect', reasonCode: 0 });
    await within.closed;
    vi.advanceTimersByTime(10_000);
    expect((await openClient(broker, 5).connect(options)).sessionPresent).toBe(false);
    await broker.close();
  });

  it('5.0: DISCONNECT may shorten the session expiry to 0, ending the session at once', async () => {
    const broker = createBroker();
    const options = { clientId: 'dev', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connectClient(broker, 5, options);
    first.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await first.closed;
    expect((await openClient(broker, 5).connect(options)).sessionPresent).toBe(false);
    await broker.close();
  });

  it('5.0: caps the session expiry at maxSessionExpirySeconds and says so in CONNACK', async () => {
    const broker = createBroker({ maxSessionExpirySeconds: 100 });
    const connack = await openClient(broker, 5).connect({ clientId: 'dev', clean: false, properties: { sessionExpiryInterval: 1_000_000 } });
    expect(connack.properties?.sessionExpiryInterval).toBe(100);
    await broker.close();
  });
});

describe('take-over', () => {
  it('closes the old connection (5.0: DISCONNECT 0x8E) and hands the session to the new one [MQTT-3.1.4-3]', async () => {
    const broker = createBroker();
    const old = await connectClient(broker, 5, { clientId: 'dev', ...persistent5 });
    await old.subscribe({ topic: 't', qos: 1 });
    const fresh = openClient(broker, 5);
    const connack = await fresh.connect({ clientId: 'dev', ...persistent5 });
    expect(connack.sessionPresent).toBe(true);
    expect((await old.expect('disconnect')).reasonCode).toBe(0x8e);
    await old.closed;
    expect(broker.connectedClients).toBe(1);
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('t', 'to-new', { qos: 1 });
    expect((await fresh.expect('publish')).payload.toString()).toBe('to-new');
    await broker.close();
  });

  it('3.1.1: the old connection is closed without a packet', async () => {
    const broker = createBroker();
    const old = await connectClient(broker, 4, { clientId: 'dev' });
    await connectClient(broker, 4, { clientId: 'dev' });
    expect(await old.drainUntilClosed()).toEqual([]);
    await broker.close();
  });
});

describe('will messages', () => {
  it('are published when the connection drops without DISCONNECT [MQTT-3.1.2-8]', async () => {
    const broker = createBroker();
    const watch = await watcher(broker);
    const client = await connectClient(broker, 4, { clientId: 'dev', will: { topic: 'will/dev', payload: Buffer.from('offline'), qos: 1, retain: false } });
    client.stream.destroy();
    expect(await watch.expect('publish')).toMatchObject({ topic: 'will/dev', payload: Buffer.from('offline'), qos: 1 });
    await broker.close();
  });

  it('are discarded on a normal DISCONNECT [MQTT-3.14.4-3]', async () => {
    const broker = createBroker();
    const watch = await watcher(broker);
    const client = await connectClient(broker, 5, { clientId: 'dev', will: { topic: 'will/dev', payload: Buffer.from('x'), qos: 0, retain: false } });
    client.send({ cmd: 'disconnect', reasonCode: 0 });
    await client.closed;
    expect(await watch.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('5.0: DISCONNECT 0x04 publishes the will', async () => {
    const broker = createBroker();
    const watch = await watcher(broker);
    const client = await connectClient(broker, 5, { clientId: 'dev', will: { topic: 'will/dev', payload: Buffer.from('asked'), qos: 0, retain: false } });
    client.send({ cmd: 'disconnect', reasonCode: 0x04 });
    expect((await watch.expect('publish')).payload.toString()).toBe('asked');
    await broker.close();
  });

  it('a retained will is stored as a retained message', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 'dev', will: { topic: 'will/dev', payload: Buffer.from('gone'), qos: 0, retain: true } });
    client.stream.destroy();
    await client.closed;
    const late = await connectClient(broker, 4, { clientId: 'late' });
    await late.subscribe('will/dev');
    expect(await late.expect('publish')).toMatchObject({ retain: true, payload: Buffer.from('gone') });
    await broker.close();
  });

  it('are published on keep alive timeout (1.5 × keep alive), 5.0 with DISCONNECT 0x8D [MQTT-3.1.2-24]', async () => {
    useFakeClock();
    const broker = createBroker();
    const watch = await watcher(broker);
    const client = await connectClient(broker, 5, { clientId: 'dev', keepalive: 10, will: { topic: 'will/dev', payload: Buffer.from('silent'), qos: 0, retain: false } });
    vi.advanceTimersByTime(14_000);
    expect(await watch.nothingReceived()).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect((await client.expect('disconnect')).reasonCode).toBe(0x8d);
    expect((await watch.expect('publish')).payload.toString()).toBe('silent');
    await broker.close();
  });

  it('traffic within the keep alive keeps the connection open', async () => {
    useFakeClock();
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 'dev', keepalive: 10 });
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(9_000);
      client.send({ cmd: 'pingreq' });
      await client.expect('pingresp');
    }
    expect(client.isClosed).toBe(false);
    expect(broker.connectedClients).toBe(1);
    await broker.close();
  });

  it('5.0: the will delay interval postpones the will; it goes out when the delay passes', async () => {
    useFakeClock();
    const broker = createBroker();
    const watch = await watcher(broker);
    const client = await connectClient(broker, 5, { clientId: 'dev', ...persistent5, will: { topic: 'will/dev', payload: Buffer.from('late'), qos: 0, retain: false, properties: { willDelayInterval: 30 } } });
    client.stream.destroy();
    await client.closed;
    vi.advanceTimersByTime(29_000);
    expect(await watch.nothingReceived()).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect((await watch.expect('publish')).payload.toString()).toBe('late');
    await broker.close();
  });

  it('5.0: reconnecting within the will delay cancels the will [MQTT-3.1.3-9]', async () => {
    useFakeClock();
    const broker = createBroker();
    const watch = await watcher(broker);
    const will = { topic: 'will/dev', payload: Buffer.from('never'), qos: 0 as const, retain: false, properties: { willDelayInterval: 30 } };
    const client = await connectClient(broker, 5, { clientId: 'dev', ...persistent5, will });
    client.stream.destroy();
    await client.closed;
    vi.advanceTimersByTime(10_000);
    await connectClient(broker, 5, { clientId: 'dev', ...persistent5 });
    vi.advanceTimersByTime(60_000);
    expect(await watch.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('5.0: a session ending before the will delay publishes the will then [MQTT-3.1.2-8]', async () => {
    useFakeClock();
    const broker = createBroker();
    const watch = await watcher(broker);
    const will = { topic: 'will/dev', payload: Buffer.from('session-end'), qos: 0 as const, retain: false, properties: { willDelayInterval: 60 } };
    const client = await connectClient(broker, 5, { clientId: 'dev', clean: false, properties: { sessionExpiryInterval: 5 }, will });
    client.stream.destroy();
    await client.closed;
    vi.advanceTimersByTime(5_000);
    expect((await watch.expect('publish')).payload.toString()).toBe('session-end');
    await broker.close();
  });

  it('are not published when the broker shuts down', async () => {
    const broker = createBroker();
    // Connected before the watcher, so close() ends it first: a will would reach the still-open watcher.
    const client = await connectClient(broker, 5, { clientId: 'dev', will: { topic: 'will/dev', payload: Buffer.from('x'), qos: 0, retain: false } });
    const watch = await watcher(broker);
    await broker.close();
    await client.closed;
    expect((await watch.drainUntilClosed()).map((p) => p.cmd)).toEqual(['disconnect']);
  });
});
