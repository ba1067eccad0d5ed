import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_INSTANCE_LIMITS } from './instance-broker';
import { connectClient, createBroker } from './testing/broker-fixture';
import type { PacketClient } from './testing/packet-client';

const VERSIONS = [4, 5] as const;

afterEach(() => {
  vi.useRealTimers();
});

/** The retained messages a fresh subscriber to `filter` receives. */
async function retainedOf(client: PacketClient, filter: string): Promise<string[]> {
  await client.subscribe({ topic: filter, qos: 0 });
  await client.nothingReceived();
  return client.received.splice(0).flatMap((p) => (p.cmd === 'publish' ? [p.payload.toString()] : []));
}

describe('the retained quota of an instance', () => {
  it('5.0: a retained QoS 1 / QoS 2 PUBLISH beyond the message count gets PUBACK / PUBREC 0x97, is neither stored nor delivered, and is counted', async () => {
    const broker = createBroker({ maxRetainedMessages: 2 });
    const watcher = await connectClient(broker, 5, { clientId: 'watch' });
    await watcher.subscribe({ topic: 'r/#', qos: 1 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    for (const topic of ['r/1', 'r/2']) {
      pub.publish(topic, topic, { qos: 1, retain: true });
      expect((await pub.expect('puback')).reasonCode ?? 0).toBe(0);
    }
    for (let i = 0; i < 2; i++) {
      const delivered = await watcher.expect('publish');
      watcher.send({ cmd: 'puback', messageId: delivered.messageId });
    }
    pub.publish('r/3', 'over', { qos: 1, retain: true });
    expect((await pub.expect('puback')).reasonCode).toBe(0x97);
    pub.publish('r/4', 'over', { qos: 2, retain: true });
    expect((await pub.expect('pubrec')).reasonCode).toBe(0x97);
    expect(await watcher.nothingReceived()).toBe(true);
    expect(pub.isClosed).toBe(false);
    const fresh = await connectClient(broker, 5, { clientId: 'fresh' });
    expect((await retainedOf(fresh, 'r/#')).sort()).toEqual(['r/1', 'r/2']);
    expect(broker.refusals['retained-quota']).toBe(2);
    expect(broker.usage.retainedMessages).toBe(2);
    await broker.close();
  });

  it('3.1.1: a retained PUBLISH beyond the quota is acknowledged and dropped (no refusal code exists), and counted', async () => {
    const broker = createBroker({ maxRetainedMessages: 1 });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('r/1', 'kept', { qos: 1, retain: true });
    await pub.expect('puback');
    pub.publish('r/2', 'dropped', { qos: 1, retain: true });
    expect((await pub.expect('puback')).messageId).toBe(2);
    pub.publish('r/3', 'dropped', { qos: 2, retain: true, messageId: 3 });
    expect((await pub.expect('pubrec')).messageId).toBe(3);
    pub.send({ cmd: 'pubrel', messageId: 3 });
    await pub.expect('pubcomp');
    pub.publish('r/4', 'dropped', { qos: 0, retain: true });
    const fresh = await connectClient(broker, 4, { clientId: 'fresh' });
    expect(await retainedOf(fresh, 'r/#')).toEqual(['kept']);
    expect(broker.refusals['retained-quota']).toBe(3);
    expect(pub.isClosed).toBe(false);
    await broker.close();
  });

  it.each(VERSIONS)('%s: counts bytes; replacing a message or clearing it with an empty payload frees its bytes', async (version) => {
    // Each message: topic "r/N" (3 bytes) + 100 bytes of payload.
    const broker = createBroker({ maxRetainedBytes: 250 });
    const pub = await connectClient(broker, version, { clientId: 'pub' });
    const publish = async (topic: string, payload: string): Promise<number> => {
      pub.publish(topic, payload, { qos: 1, retain: true });
      return (await pub.expect('puback')).reasonCode ?? 0;
    };
    const full = 'x'.repeat(100);
    expect(await publish('r/1', full)).toBe(0);
    expect(await publish('r/2', full)).toBe(0);
    expect(broker.usage.retainedBytes).toBe(206);
    await publish('r/3', full);
    expect(broker.refusals['retained-quota']).toBe(1);
    // A replacement counts only the difference: 103 + 103 - 103 + 103.
    expect(await publish('r/1', 'y'.repeat(100))).toBe(0);
    expect(broker.usage.retainedBytes).toBe(206);
    expect(await publish('r/2', '')).toBe(0);
    expect(broker.usage.retainedBytes).toBe(103);
    expect(await publish('r/3', full)).toBe(0);
    expect(broker.refusals['retained-quota']).toBe(1);
    const fresh = await connectClient(broker, version, { clientId: 'fresh' });
    expect((await retainedOf(fresh, 'r/#')).map((p) => p[0]).sort()).toEqual(['x', 'y']);
    await broker.close();
  });

  it('counts user properties towards the bytes, so they cannot carry a flood past it', async () => {
    const broker = createBroker({ maxRetainedBytes: 1000 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r', '1', { qos: 1, retain: true, properties: { userProperties: { k: 'v'.repeat(2000) } } });
    expect((await pub.expect('puback')).reasonCode).toBe(0x97);
    expect(broker.usage.retainedBytes).toBe(0);
    await broker.close();
  });

  it('frees the room of expired retained messages when the quota is full', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const broker = createBroker({ maxRetainedMessages: 1 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r/old', 'a', { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    await pub.expect('puback');
    pub.publish('r/new', 'b', { qos: 1, retain: true });
    expect((await pub.expect('puback')).reasonCode).toBe(0x97);
    vi.setSystemTime(Date.now() + 2_000);
    pub.publish('r/new', 'b', { qos: 1, retain: true });
    expect((await pub.expect('puback')).reasonCode ?? 0).toBe(0);
    expect(broker.usage.retainedMessages).toBe(1);
    await broker.close();
  });

  it('applies a lower quota from updateLimits to the next retained PUBLISH', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r/1', 'a', { qos: 1, retain: true });
    await pub.expect('puback');
    broker.updateLimits({ ...DEFAULT_INSTANCE_LIMITS, maxRetainedMessages: 1 });
    pub.publish('r/2', 'b', { qos: 1, retain: true });
    expect((await pub.expect('puback')).reasonCode).toBe(0x97);
    await broker.close();
  });
});

describe('the subscription quotas', () => {
  it.each([
    [4, '0x80', 0x80],
    [5, '0x97', 0x97],
  ] as const)('%s: filters beyond the per-client quota get SUBACK %s; a re-subscription and a freed slot still pass', async (version, _code, refused) => {
    const broker = createBroker({ maxSubscriptionsPerClient: 2 });
    const client = await connectClient(broker, version, { clientId: 'c' });
    const suback = await client.subscribe(['a', 'b', 'c'].map((topic) => ({ topic, qos: 1 as const })));
    expect(suback.granted).toEqual([1, 1, refused]);
    expect((await client.subscribe({ topic: 'a', qos: 0 })).granted).toEqual([0]);
    client.send({ cmd: 'unsubscribe', messageId: 50, unsubscriptions: ['b'] });
    await client.expect('unsuback');
    expect((await client.subscribe(['c', 'd'].map((topic) => ({ topic, qos: 0 as const })))).granted).toEqual([0, refused]);
    expect(broker.refusals['subscription-quota']).toBe(2);
    await broker.close();
  });

  it.each([
    [4, '0x80', 0x80],
    [5, '0x97', 0x97],
  ] as const)('%s: the per-instance quota (SUBACK %s) counts every client\'s subscriptions, shared ones too, and frees them when a session ends', async (version, _code, refused) => {
    const broker = createBroker({ maxSubscriptionsPerInstance: 3 });
    const first = await connectClient(broker, version, { clientId: 'first' });
    await first.subscribe([{ topic: 'a', qos: 0 }, { topic: '$share/g/b', qos: 0 }]);
    const second = await connectClient(broker, version, { clientId: 'second' });
    expect((await second.subscribe([{ topic: '$share/g/b', qos: 0 }, { topic: 'c', qos: 0 }])).granted).toEqual([0, refused]);
    expect(broker.usage.subscriptions).toBe(3);
    first.send({ cmd: 'disconnect' });
    await first.closed;
    await second.nothingReceived();
    expect(broker.usage.subscriptions).toBe(1);
    expect((await second.subscribe({ topic: 'c', qos: 0 })).granted).toEqual([0]);
    expect(broker.refusals['subscription-quota']).toBe(1);
    await broker.close();
  });
});

describe('the session queue bounds', () => {
  it.each(VERSIONS)('%s: an offline session keeps at most maxQueuedBytes, dropping the oldest, each drop counted', async (version) => {
    // Each message: topic "q" (1 byte) + 99 bytes of payload = 100 bytes; room for three.
    const broker = createBroker({ maxQueuedBytes: 350 });
    const persistent = version === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const sub = await connectClient(broker, version, { clientId: 'sub', ...persistent });
    await sub.subscribe({ topic: 'q', qos: 1 });
    sub.send({ cmd: 'disconnect' });
    await sub.closed;
    const pub = await connectClient(broker, version, { clientId: 'pub' });
    for (let i = 1; i <= 5; i++) {
      pub.publish('q', String(i).repeat(99), { qos: 1 });
      await pub.expect('puback');
    }
    expect(broker.refusals['queue-full']).toBe(2);
    const again = await connectClient(broker, version, { clientId: 'sub', ...persistent, clean: false });
    const payloads = [];
    for (let i = 0; i < 3; i++) payloads.push((await again.expect('publish')).payload.toString()[0]);
    expect(payloads).toEqual(['3', '4', '5']);
    expect(await again.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('counts the messages dropped at maxQueuedMessages', async () => {
    const broker = createBroker({ maxQueuedMessages: 2 });
    const sub = await connectClient(broker, 4, { clientId: 'sub', clean: false });
    await sub.subscribe({ topic: 'q', qos: 1 });
    sub.send({ cmd: 'disconnect' });
    await sub.closed;
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    for (let i = 0; i < 5; i++) pub.publish('q', 'm', { qos: 0 });
    pub.publish('q', 'last', { qos: 1 });
    await pub.expect('puback');
    expect(broker.refusals['queue-full']).toBe(4);
    await broker.close();
  });
});

describe('packet size and rate refusals are counted', () => {
  it.each(VERSIONS)('%s: a packet over maxPacketSize closes the connection (5.0: DISCONNECT 0x95) and counts packet-too-large', async (version) => {
    const broker = createBroker({ maxPacketSize: 200 });
    const pub = await connectClient(broker, version, { clientId: 'pub' });
    pub.publish('t', 'x'.repeat(300), { qos: 1 });
    const packets = await pub.drainUntilClosed();
    if (version === 5) expect(packets).toMatchObject([{ cmd: 'disconnect', reasonCode: 0x95 }]);
    else expect(packets).toEqual([]);
    expect(broker.refusals['packet-too-large']).toBe(1);
    await broker.close();
  });

  it.each(VERSIONS)('%s: a QoS 0 PUBLISH over messagesPerSecond is refused (5.0: DISCONNECT 0x96) and counted as rate-limit', async (version) => {
    const broker = createBroker({ messagesPerSecond: 2 });
    const pub = await connectClient(broker, version, { clientId: 'pub' });
    for (let i = 0; i < 3; i++) pub.publish('t', 'm', { qos: 0 });
    const packets = await pub.drainUntilClosed();
    if (version === 5) expect(packets).toMatchObject([{ cmd: 'disconnect', reasonCode: 0x96 }]);
    expect(broker.refusals['rate-limit']).toBe(1);
    await broker.close();
  });
});
