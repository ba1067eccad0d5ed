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
    const broker = createBroker();
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
