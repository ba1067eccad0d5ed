import { generate } from 'mqtt-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectClient, createBroker } from '../testing/broker-fixture';
import type { PacketClient } from '../testing/packet-client';

async function subscribe(client: PacketClient, topic: string, qos: 0 | 1 | 2 = 0): Promise<void> {
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] });
  await client.expect('suback');
}

describe('PUBLISH QoS 0 and 1', () => {
  it('forwards a QoS 0 message with topic and payload, retain flag clear', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 't/1');
    pub.send({ cmd: 'publish', topic: 't/1', payload: Buffer.from('hello'), qos: 0, retain: false, dup: false });
    const message = await sub.expect('publish');
    expect(message).toMatchObject({ topic: 't/1', qos: 0, retain: false, dup: false });
    expect(message.payload).toEqual(Buffer.from('hello'));
    await broker.close();
  });

  it('acknowledges QoS 1 with PUBACK carrying the packet id, and delivers with a fresh packet id', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 't', 1);
    pub.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 777, retain: false, dup: false });
    expect((await pub.expect('puback')).messageId).toBe(777);
    const message = await sub.expect('publish');
    expect(message.qos).toBe(1);
    expect(message.messageId).toBeGreaterThan(0);
    sub.send({ cmd: 'puback', messageId: message.messageId });
    await broker.close();
  });

  it('delivers between 3.1.1 and 5.0 clients in both directions', async () => {
    const broker = createBroker();
    const v4 = await connectClient(broker, 4, { clientId: 'v4' });
    const v5 = await connectClient(broker, 5, { clientId: 'v5' });
    await subscribe(v4, 'to/v4', 1);
    await subscribe(v5, 'to/v5', 1);
    v4.send({ cmd: 'publish', topic: 'to/v5', payload: Buffer.from('a'), qos: 1, messageId: 1, retain: false, dup: false });
    v5.send({ cmd: 'publish', topic: 'to/v4', payload: Buffer.from('b'), qos: 1, messageId: 1, retain: false, dup: false });
    const toV5 = [await v5.next(), await v5.next()].find((p) => p.cmd === 'publish');
    const toV4 = [await v4.next(), await v4.next()].find((p) => p.cmd === 'publish');
    expect(toV5).toMatchObject({ topic: 'to/v5', payload: Buffer.from('a'), qos: 1 });
    expect(toV4).toMatchObject({ topic: 'to/v4', payload: Buffer.from('b'), qos: 1 });
    await broker.close();
  });

  it('holds QoS 1 messages beyond maxInflight until PUBACKs free the window', async () => {
    const broker = createBroker({ maxInflight: 2 });
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    await subscribe(sub, 't', 1);
    for (let i = 1; i <= 3; i++) pub.send({ cmd: 'publish', topic: 't', payload: Buffer.from(String(i)), qos: 1, messageId: i, retain: false, dup: false });
    const first = await sub.expect('publish');
    const second = await sub.expect('publish');
    expect(await sub.nothingReceived()).toBe(true);
    sub.send({ cmd: 'puback', messageId: first.messageId });
    const third = await sub.expect('publish');
    expect([first, second, third].map((p) => p.payload.toString())).toEqual(['1', '2', '3']);
    await broker.close();
  });

  it('closes a 3.1.1 client that publishes to a topic with a wildcard [MQTT-3.3.2-2]', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 4, { clientId: 'pub' });
    pub.send({ cmd: 'publish', topic: 'a/+', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect(await pub.drainUntilClosed()).toEqual([]);
    await broker.close();
  });

  it('5.0: a topic name beyond maxTopicLength gets DISCONNECT 0x90 topic name invalid', async () => {
    const broker = createBroker({ maxTopicLength: 8 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.send({ cmd: 'publish', topic: 'much/too/long', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x90);
    await pub.closed;
    await broker.close();
  });

  it('5.0: beyond messagesPerSecond the publisher gets DISCONNECT 0x96; 3.1.1 is closed', async () => {
    const broker = createBroker({ messagesPerSecond: 2 });
    const v5 = await connectClient(broker, 5, { clientId: 'fast5' });
    for (let i = 0; i < 3; i++) v5.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect((await v5.expect('disconnect')).reasonCode).toBe(0x96);
    const v4 = await connectClient(broker, 4, { clientId: 'fast4' });
    v4.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, retain: false, dup: false });
    expect(await v4.drainUntilClosed()).toEqual([]);
    await broker.close();
  });

  it('5.0: a packet larger than maxPacketSize gets DISCONNECT 0x95', async () => {
    const broker = createBroker({ maxPacketSize: 100 });
    const pub = await connectClient(broker, 5, { clientId: 'big' });
    pub.send({ cmd: 'publish', topic: 't', payload: Buffer.alloc(200), qos: 0, retain: false, dup: false });
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x95);
    await pub.closed;
    await broker.close();
  });

  it('5.0: an oversized packet is refused from its header, before its body arrives', async () => {
    const broker = createBroker({ maxPacketSize: 100 });
    const pub = await connectClient(broker, 5, { clientId: 'big' });
    // PUBLISH header announcing 1000 bytes, only a few sent.
    pub.sendRaw(Buffer.from([0x30, 0xe8, 0x07, 0x00, 0x01, 0x74]));
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x95);
    await broker.close();
  });

  it('5.0: a malformed packet gets DISCONNECT 0x81 before the close', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'bad' });
    // PUBLISH with both QoS bits set is malformed.
    client.sendRaw(Buffer.from([0x36, 0x03, 0x00, 0x01, 0x74]));
    expect((await client.expect('disconnect')).reasonCode).toBe(0x81);
    await client.closed;
    await broker.close();
  });
});

describe('PUBLISH: MQTT 5 properties', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forwards user properties, content type, response topic and correlation data; drops the topic alias', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub' });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    await subscribe(sub, 't', 1);
    const properties = { userProperties: { a: '1', b: ['x', 'y'] }, contentType: 'text/plain', responseTopic: 'reply', correlationData: Buffer.from('c'), payloadFormatIndicator: true };
    pub.publish('t', 'x', { qos: 1, properties: { ...properties, topicAlias: 1 } });
    const message = await sub.expect('publish');
    expect(message.properties).toEqual(properties);
    await broker.close();
  });

  it('a retained or queued message keeps its payload and correlation data in bytes of its own, not in the chunk it arrived in', async () => {
    const broker = createBroker();
    const offline = await connectClient(broker, 5, { clientId: 'offline', clean: false, properties: { sessionExpiryInterval: 60 } });
    await subscribe(offline, 'q', 1);
    offline.end();
    await offline.closed;
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    // One read chunk carrying both messages: what mqtt-packet parses out of it are views into it.
    const chunk = Buffer.concat([
      generate({ cmd: 'publish', topic: 'r', payload: Buffer.from('retained'), qos: 0, retain: true, dup: false, properties: { correlationData: Buffer.from('corr') } }, { protocolVersion: 5 }),
      generate({ cmd: 'publish', topic: 'q', payload: Buffer.from('queued'), qos: 0, retain: false, dup: false }, { protocolVersion: 5 }),
    ]);
    pub.sendRaw(chunk);
    await pub.nothingReceived();
    chunk.fill(0x21);
    const fresh = await connectClient(broker, 5, { clientId: 'fresh' });
    await subscribe(fresh, 'r');
    const retained = await fresh.expect('publish');
    expect([retained.payload.toString(), retained.properties?.correlationData?.toString()]).toEqual(['retained', 'corr']);
    const back = await connectClient(broker, 5, { clientId: 'offline', clean: false, properties: { sessionExpiryInterval: 60 } });
    expect((await back.expect('publish')).payload.toString()).toBe('queued');
    await broker.close();
  });

  it('resolves a topic alias set by the client (client → server)', async () => {
    const broker = createBroker({ topicAliasMaximum: 5 });
    const sub = await connectClient(broker, 4, { clientId: 'sub' });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    await subscribe(sub, 'long/topic/name');
    pub.publish('long/topic/name', 'first', { properties: { topicAlias: 3 } });
    pub.publish('', 'second', { properties: { topicAlias: 3 } });
    expect((await sub.expect('publish')).payload.toString()).toBe('first');
    expect(await sub.expect('publish')).toMatchObject({ topic: 'long/topic/name', payload: Buffer.from('second') });
    await broker.close();
  });

  it('a topic alias above the advertised maximum gets DISCONNECT 0x94 [MQTT-3.3.2-10]', async () => {
    const broker = createBroker({ topicAliasMaximum: 5 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('t', 'x', { properties: { topicAlias: 6 } });
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x94);
    await broker.close();
  });

  it('an unknown topic alias with an empty topic is a protocol error (DISCONNECT 0x82)', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('', 'x', { properties: { topicAlias: 2 } });
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x82);
    await broker.close();
  });

  it('sends on the remaining message expiry interval and drops expired queued messages [MQTT-3.3.2-5] [MQTT-3.3.2-6]', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub', clean: false, properties: { sessionExpiryInterval: 600 } });
    await subscribe(sub, 't/#', 1);
    sub.send({ cmd: 'disconnect', reasonCode: 0 });
    await sub.closed;
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('t/short', 'short', { qos: 1, properties: { messageExpiryInterval: 5 } });
    pub.publish('t/long', 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    await pub.expect('puback');
    await pub.expect('puback');
    vi.advanceTimersByTime(10_000);
    const back = await connectClient(broker, 5, { clientId: 'sub', clean: false, properties: { sessionExpiryInterval: 600 } });
    const message = await back.expect('publish');
    expect(message.topic).toBe('t/long');
    expect(message.properties?.messageExpiryInterval).toBe(90);
    expect(await back.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('never sends a client a packet larger than its maximum packet size; smaller ones still arrive [MQTT-3.1.2-25]', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub', properties: { maximumPacketSize: 64 } });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    await subscribe(sub, 't', 1);
    pub.publish('t', Buffer.alloc(100), { qos: 1 });
    pub.publish('t', 'small', { qos: 1 });
    const message = await sub.expect('publish');
    expect(message.payload.toString()).toBe('small');
    await broker.close();
  });

  it('a subscription identifier in a client PUBLISH is a protocol error [MQTT-3.3.4-6]', async () => {
    const broker = createBroker();
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('t', 'x', { properties: { subscriptionIdentifier: 3 } });
    expect((await pub.expect('disconnect')).reasonCode).toBe(0x82);
    await broker.close();
  });

  it('includes a reason string in DISCONNECT unless the client asked for no problem information', async () => {
    const broker = createBroker({ maxTopicLength: 4 });
    const chatty = await connectClient(broker, 5, { clientId: 'chatty' });
    chatty.publish('toolong', 'x');
    expect((await chatty.expect('disconnect')).properties?.reasonString).toBe('invalid topic name');
    const quiet = await connectClient(broker, 5, { clientId: 'quiet', properties: { requestProblemInformation: false } });
    quiet.publish('toolong', 'x');
    expect((await quiet.expect('disconnect')).properties).toBeUndefined();
    await broker.close();
  });
});
