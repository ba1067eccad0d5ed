import { describe, expect, it } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';
import type { PacketClient } from '../testing/packet-client';

async function subscribe(client: PacketClient, topic: string, qos: 0 | 1 | 2 = 0, messageId = 1) {
  client.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
  return client.expect('suback');
}

describe('SUBSCRIBE / SUBACK', () => {
  it('grants the requested QoS per filter, in order, with the packet id [MQTT-3.8.4-1]', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 's' });
    client.send({ cmd: 'subscribe', messageId: 42, subscriptions: [{ topic: 'a/+', qos: 1 }, { topic: 'b/#', qos: 2 }, { topic: 'c', qos: 0 }] });
    const suback = await client.expect('suback');
    expect(suback).toMatchObject({ messageId: 42, granted: [1, 2, 0] });
    await broker.close();
  });

  it('3.1.1: answers an invalid filter with 0x80 failure', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 4, { clientId: 's' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/#/b', qos: 0 }, { topic: 'a+', qos: 1 }, { topic: 'ok', qos: 1 }] });
    expect((await client.expect('suback')).granted).toEqual([0x80, 0x80, 1]);
    await broker.close();
  });

  it('5.0: answers an invalid filter with 0x8F topic filter invalid', async () => {
    const broker = createBroker({ maxTopicLevels: 3 });
    const client = await connectClient(broker, 5, { clientId: 's' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/b/c/d', qos: 0 }, { topic: '#/x', qos: 0 }, { topic: '$share/g/', qos: 0 }] });
    expect((await client.expect('suback')).granted).toEqual([0x8f, 0x8f, 0x8f]);
    await broker.close();
  });

  it('delivers through + and # wildcards', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 'home/+/temp', 0, 1);
    await subscribe(sub, 'office/#', 0, 2);
    pub.send({ cmd: 'publish', topic: 'home/kitchen/temp', payload: Buffer.from('21'), qos: 0, retain: false, dup: false });
    pub.send({ cmd: 'publish', topic: 'office', payload: Buffer.from('parent'), qos: 0, retain: false, dup: false });
    pub.send({ cmd: 'publish', topic: 'home/kitchen/humidity', payload: Buffer.from('no'), qos: 0, retain: false, dup: false });
    pub.send({ cmd: 'publish', topic: 'office/1/2/3', payload: Buffer.from('deep'), qos: 0, retain: false, dup: false });
    const first = await sub.expect('publish');
    const second = await sub.expect('publish');
    const third = await sub.expect('publish');
    expect([first.topic, second.topic, third.topic]).toEqual(['home/kitchen/temp', 'office', 'office/1/2/3']);
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('does not match $ topics with a filter starting with a wildcard [MQTT-4.7.2-1]', async () => {
    // Superusers: $SYS is closed to everyone else by authorization (authorization.spec.ts).
    const broker = createBroker({}, () => Promise.resolve({ kind: 'allow', superuser: true }));
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, '#', 0, 1);
    await subscribe(sub, '+/info', 0, 2);
    await subscribe(sub, '$SYS/#', 0, 3);
    pub.send({ cmd: 'publish', topic: '$SYS/info', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    const only = await sub.expect('publish');
    expect(only.topic).toBe('$SYS/info');
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('delivers one copy to a client with overlapping subscriptions, at the highest granted QoS', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 'a/#', 0, 1);
    await subscribe(sub, 'a/b', 1, 2);
    pub.send({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('x'), qos: 1, messageId: 5, retain: false, dup: false });
    const message = await sub.expect('publish');
    expect(message.qos).toBe(1);
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('grants the subscription QoS as a ceiling: a QoS 1 message to a QoS 0 subscription arrives at QoS 0', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 't', 0);
    pub.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 5, retain: false, dup: false });
    expect((await sub.expect('publish')).qos).toBe(0);
    await broker.close();
  });

  it('a SUBSCRIBE without subscriptions is a protocol error (5.0 DISCONNECT 0x82)', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 's' });
    // SUBSCRIBE, packet id 1, empty properties, no payload.
    client.sendRaw(Buffer.from([0x82, 0x03, 0x00, 0x01, 0x00]));
    const packets = await client.drainUntilClosed();
    expect(packets.map((p) => p.cmd)).toContain('disconnect');
    await broker.close();
  });

  it('replaces an existing subscription to the same filter [MQTT-3.8.4-3]', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 't', 0, 1);
    await subscribe(sub, 't', 1, 2);
    pub.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 5, retain: false, dup: false });
    expect((await sub.expect('publish')).qos).toBe(1);
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });
});

describe('SUBSCRIBE: retained messages', () => {
  it('delivers retained messages after SUBACK with the retain flag set, at the lower of both QoS [MQTT-3.3.1-8]', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('r/1', 'one', { qos: 1, retain: true });
    pub.publish('r/2', 'two', { qos: 0, retain: true });
    await pub.expect('puback');
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const suback = await sub.subscribe({ topic: 'r/+', qos: 1 });
    expect(suback.granted).toEqual([1]);
    const received = [await sub.expect('publish'), await sub.expect('publish')].sort((a, b) => a.topic.localeCompare(b.topic));
    expect(received.map((p) => [p.topic, p.retain, p.qos])).toEqual([['r/1', true, 1], ['r/2', true, 0]]);
    await broker.close();
  });

  it('forwards a retained publish to existing subscribers with the retain flag clear [MQTT-3.3.1-9]', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    await sub.subscribe('r');
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('r', 'x', { retain: true });
    expect((await sub.expect('publish')).retain).toBe(false);
    await broker.close();
  });

  it('a retained empty payload clears the topic and is still forwarded [MQTT-3.3.1-10]', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.publish('r', 'x', { retain: true });
    const live = await connectClient(broker, 4, { clientId: 'live' });
    await live.subscribe('r');
    await live.expect('publish');
    pub.publish('r', '', { retain: true });
    expect((await live.expect('publish')).payload.length).toBe(0);
    const late = await connectClient(broker, 4, { clientId: 'late' });
    await late.subscribe('r');
    expect(await late.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('5.0 retain handling: 0 sends on every subscribe, 1 only for a new subscription, 2 never', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r', 'x', { retain: true });
    const sub = await connectClient(broker, 5, { clientId: 'sub' });
    for (const [rh, expected] of [[0, 2], [1, 1], [2, 0]] as const) {
      const filter = rh === 0 ? 'r' : rh === 1 ? '+' : '#';
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 0, rh }] });
      sub.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: filter, qos: 0, rh }] });
      const packets = [];
      while (!(await sub.nothingReceived())) packets.push(await sub.next());
      expect(packets.filter((p) => p.cmd === 'suback')).toHaveLength(2);
      expect(packets.filter((p) => p.cmd === 'publish'), `retain handling ${rh}`).toHaveLength(expected);
      sub.send({ cmd: 'unsubscribe', messageId: 3, unsubscriptions: [filter] });
      await sub.expect('unsuback');
    }
    await broker.close();
  });

  it('5.0 retain as published keeps the retain flag on forwarded messages [MQTT-3.3.1-12] [MQTT-3.3.1-13]', async () => {
    const broker = createBroker();
    const keep = await connectClient(broker, 5, { clientId: 'keep' });
    const clear = await connectClient(broker, 5, { clientId: 'clear' });
    await keep.subscribe({ topic: 't', qos: 0, rap: true });
    await clear.subscribe({ topic: 't', qos: 0, rap: false });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('t', 'x', { retain: true });
    expect((await keep.expect('publish')).retain).toBe(true);
    expect((await clear.expect('publish')).retain).toBe(false);
    await broker.close();
  });

  it('shared subscriptions get no retained messages on subscribe', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r', 'x', { retain: true });
    const sub = await connectClient(broker, 5, { clientId: 'sub' });
    await sub.subscribe('$share/g/r');
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });
});

describe('SUBSCRIBE: MQTT 5 subscription options', () => {
  it('no local: a client does not receive its own messages [MQTT-3.8.3-3]', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'self' });
    const other = await connectClient(broker, 5, { clientId: 'other' });
    await client.subscribe({ topic: 't', qos: 0, nl: true });
    client.publish('t', 'mine');
    other.publish('t', 'theirs');
    expect((await client.expect('publish')).payload.toString()).toBe('theirs');
    expect(await client.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('no local on a shared subscription is a protocol error [MQTT-3.8.3-4]', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c' });
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/t', qos: 0, nl: true }] });
    expect((await client.expect('disconnect')).reasonCode).toBe(0x82);
    await broker.close();
  });

  it('subscription identifiers: each matching subscription contributes its id to one delivery [MQTT-3.3.4-3]', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub' });
    await sub.subscribe({ topic: 'a/+', qos: 1 }, { subscriptionIdentifier: 7 });
    await sub.subscribe({ topic: 'a/#', qos: 0 }, { subscriptionIdentifier: 9 });
    await sub.subscribe({ topic: 'a/b', qos: 0 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('a/b', 'x', { qos: 1 });
    const message = await sub.expect('publish');
    expect(message.qos).toBe(1);
    expect(message.properties?.subscriptionIdentifier).toEqual([7, 9]);
    expect(await sub.nothingReceived()).toBe(true);
    pub.publish('a/c', 'y');
    expect((await sub.expect('publish')).properties?.subscriptionIdentifier).toEqual([7, 9]);
    await broker.close();
  });

  it('retained messages carry the identifier of the subscription that fetched them', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r', 'x', { retain: true });
    const sub = await connectClient(broker, 5, { clientId: 'sub' });
    await sub.subscribe('r', { subscriptionIdentifier: 42 });
    expect((await sub.expect('publish')).properties?.subscriptionIdentifier).toBe(42);
    await broker.close();
  });
});

describe('SUBSCRIBE: shared subscriptions', () => {
  it('$share/group/filter delivers each message to one member, round-robin; plain subscribers get all', async () => {
    const broker = createBroker();
    const members = await Promise.all(['m1', 'm2', 'm3'].map((id) => connectClient(broker, 5, { clientId: id })));
    for (const member of members) await member.subscribe({ topic: '$share/workers/jobs/+', qos: 1 });
    const plain = await connectClient(broker, 4, { clientId: 'plain' });
    await plain.subscribe('jobs/#');
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    for (let i = 0; i < 6; i++) pub.publish('jobs/new', String(i), { qos: 1 });
    for (let i = 0; i < 6; i++) await plain.expect('publish');
    const counts = [];
    for (const member of members) {
      const got = [await member.expect('publish'), await member.expect('publish')];
      for (const p of got) member.send({ cmd: 'puback', messageId: p.messageId });
      counts.push(got.length);
      expect(await member.nothingReceived()).toBe(true);
    }
    expect(counts).toEqual([2, 2, 2]);
    await broker.close();
  });

  it('two groups on the same filter each get every message once', async () => {
    const broker = createBroker();
    const a = await connectClient(broker, 5, { clientId: 'a' });
    const b = await connectClient(broker, 5, { clientId: 'b' });
    await a.subscribe('$share/g1/t');
    await b.subscribe('$share/g2/t');
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('t', 'x');
    await a.expect('publish');
    await b.expect('publish');
    await broker.close();
  });

  it('unsubscribing $share/group/filter leaves the group', async () => {
    const broker = createBroker();
    const a = await connectClient(broker, 5, { clientId: 'a' });
    const b = await connectClient(broker, 5, { clientId: 'b' });
    await a.subscribe('$share/g/t');
    await b.subscribe('$share/g/t');
    a.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['$share/g/t'] });
    expect((await a.expect('unsuback')).granted).toEqual([0]);
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('t', '1');
    pub.publish('t', '2');
    await b.expect('publish');
    await b.expect('publish');
    expect(await a.nothingReceived()).toBe(true);
    await broker.close();
  });
});
