import { parser as createParser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import type { Message } from './message';
import { OutboundTopicAliases } from './outbound-topic-aliases';
import { encodeDelivery, withEncodingCache } from './publish-encoder';
import { connectClient, createBroker } from './testing/broker-fixture';
import type { PacketClient } from './testing/packet-client';

/** The next PUBLISH as (topic, alias, payload): what the client read off the wire before resolving aliases. */
async function nextPublish(client: PacketClient): Promise<{ topic: string; alias: number | undefined; payload: string }> {
  const packet = await client.expect('publish');
  return { topic: packet.topic, alias: packet.properties?.topicAlias, payload: packet.payload.toString() };
}

function parse(bytes: Buffer): IPublishPacket {
  const parser = createParser({ protocolVersion: 5 });
  const packets: Packet[] = [];
  parser.on('packet', (packet: Packet) => packets.push(packet));
  parser.on('error', (error: Error) => {
    throw error;
  });
  parser.parse(bytes);
  expect(packets).toHaveLength(1);
  return packets[0] as IPublishPacket;
}

describe('OutboundTopicAliases', () => {
  it('hands out aliases 1..maximum, then reassigns the least recently used one', () => {
    const aliases = new OutboundTopicAliases(2);
    const sent = (topic: string) => {
      const use = aliases.use(topic);
      aliases.commit(topic, use);
      return use;
    };
    expect(sent('a')).toEqual({ alias: 1, sendTopic: true });
    expect(sent('b')).toEqual({ alias: 2, sendTopic: true });
    expect(sent('a')).toEqual({ alias: 1, sendTopic: false });
    expect(sent('c')).toEqual({ alias: 2, sendTopic: true, replaces: 'b' });
    expect(sent('b')).toEqual({ alias: 1, sendTopic: true, replaces: 'a' });
    expect(sent('c')).toEqual({ alias: 2, sendTopic: false });
    expect(aliases.size).toBe(2);
  });

  it('records nothing for a proposal that was not committed (a discarded PUBLISH)', () => {
    const aliases = new OutboundTopicAliases(1);
    aliases.use('a');
    expect(aliases.use('a')).toEqual({ alias: 1, sendTopic: true });
    expect(aliases.size).toBe(0);
  });
});

describe('encodeDelivery with a topic alias', () => {
  // The properties are 19 bytes more than the value: 106..108 and 16_362..16_364 take their length across a variable byte integer's boundary.
  const userProperties = (bytes: number) => ({ k: 'v'.repeat(bytes) });

  for (const qos of [0, 1, 2] as const) {
    for (const valueBytes of [0, 100, 106, 107, 108, 16_362, 16_363, 16_364]) {
      it(`QoS ${qos}, properties of ${valueBytes} bytes: the alias, the topic or none, the packet id, the properties and the payload survive`, () => {
        const message: Message = {
          topic: 'plant/7/temp',
          payload: Buffer.alloc(300, 7),
          qos,
          retain: false,
          properties: valueBytes > 0 ? { userProperties: userProperties(valueBytes), contentType: 'text/plain' } : undefined,
        };
        for (const sendTopic of [true, false]) {
          for (const subscriptionIds of [undefined, [5]]) {
            const bytes = encodeDelivery({ message, qos, retain: false, subscriptionIds }, 5, 513, false, Date.now(), { alias: 300, sendTopic });
            const packet = parse(bytes);
            expect(packet.topic).toBe(sendTopic ? 'plant/7/temp' : '');
            expect(packet.properties?.topicAlias).toBe(300);
            expect(packet.messageId).toBe(qos > 0 ? 513 : undefined);
            expect(packet.properties?.userProperties).toEqual(message.properties?.userProperties);
            expect(packet.properties?.subscriptionIdentifier).toBe(subscriptionIds?.[0]);
            expect(packet.payload).toEqual(message.payload);
          }
        }
      });
    }
  }

  it('leaves the shared encoding of the message untouched for connections without aliases', () => {
    const message: Message = { topic: 't', payload: Buffer.from('x'), qos: 0, retain: false };
    // Encodings are shared within one fan-out (withEncodingCache).
    withEncodingCache(message, () => {
      const plain = encodeDelivery({ message, qos: 0, retain: false }, 5, 0, false, 0);
      encodeDelivery({ message, qos: 0, retain: false }, 5, 0, false, 0, { alias: 1, sendTopic: false });
      expect(encodeDelivery({ message, qos: 0, retain: false }, 5, 0, false, 0)).toBe(plain);
      expect(parse(plain).properties?.topicAlias).toBeUndefined();
    });
  });
});

describe('topic aliases toward a 5.0 client (server → client)', () => {
  it('sends the topic with a new alias first, the alias alone after, and replaces the least recently used at the client\'s maximum', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub', properties: { topicAliasMaximum: 2 } });
    await sub.subscribe({ topic: 'a/#', qos: 0 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    for (const [topic, payload] of [['a/1', 'm1'], ['a/1', 'm2'], ['a/2', 'm3'], ['a/3', 'm4'], ['a/1', 'm5'], ['a/3', 'm6']]) pub.publish(topic!, payload!);
    expect(await nextPublish(sub)).toEqual({ topic: 'a/1', alias: 1, payload: 'm1' });
    expect(await nextPublish(sub)).toEqual({ topic: '', alias: 1, payload: 'm2' });
    expect(await nextPublish(sub)).toEqual({ topic: 'a/2', alias: 2, payload: 'm3' });
    // a/1 was used before a/2: its alias goes to a/3, and a/1 then takes a/2's.
    expect(await nextPublish(sub)).toEqual({ topic: 'a/3', alias: 1, payload: 'm4' });
    expect(await nextPublish(sub)).toEqual({ topic: 'a/1', alias: 2, payload: 'm5' });
    expect(await nextPublish(sub)).toEqual({ topic: '', alias: 1, payload: 'm6' });
    await broker.close();
  });

  it('uses them for QoS 1 deliveries with subscription identifiers too, packet ids intact', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub', properties: { topicAliasMaximum: 5 } });
    await sub.subscribe({ topic: 'q/#', qos: 1 }, { subscriptionIdentifier: 9 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('q/x', 'one', { qos: 1 });
    pub.publish('q/x', 'two', { qos: 1 });
    const first = await sub.expect('publish');
    const second = await sub.expect('publish');
    expect([first.topic, first.properties?.topicAlias, first.properties?.subscriptionIdentifier]).toEqual(['q/x', 1, 9]);
    expect([second.topic, second.properties?.topicAlias, second.payload.toString()]).toEqual(['', 1, 'two']);
    expect(second.messageId).not.toBe(first.messageId);
    sub.send({ cmd: 'puback', messageId: first.messageId });
    sub.send({ cmd: 'puback', messageId: second.messageId });
    expect(await sub.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('keeps at most as many aliases as the instance accepts from clients', async () => {
    const broker = createBroker({ topicAliasMaximum: 1 });
    const sub = await connectClient(broker, 5, { clientId: 'sub', properties: { topicAliasMaximum: 100 } });
    await sub.subscribe('c/#');
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    for (const topic of ['c/1', 'c/2', 'c/1']) pub.publish(topic, topic);
    for (const topic of ['c/1', 'c/2', 'c/1']) expect(await nextPublish(sub)).toEqual({ topic, alias: 1, payload: topic });
    await broker.close();
  });

  it('sends no alias to a client that allows none, nor to 3.1.1 clients', async () => {
    const broker = createBroker();
    const none = await connectClient(broker, 5, { clientId: 'none' });
    const old = await connectClient(broker, 4, { clientId: 'old' });
    await none.subscribe('n/#');
    await old.subscribe('n/#');
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('n/1', 'a');
    pub.publish('n/1', 'b');
    for (const client of [none, old]) {
      for (const payload of ['a', 'b']) expect(await nextPublish(client)).toEqual({ topic: 'n/1', alias: undefined, payload });
    }
    await broker.close();
  });

  it('sets no alias with a PUBLISH discarded for the client\'s maximum packet size', async () => {
    const broker = createBroker();
    const sub = await connectClient(broker, 5, { clientId: 'sub', properties: { topicAliasMaximum: 5, maximumPacketSize: 200 } });
    await sub.subscribe('big/#');
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('big/1', Buffer.alloc(500));
    pub.publish('big/1', 'small');
    expect(await nextPublish(sub)).toEqual({ topic: 'big/1', alias: 1, payload: 'small' });
    await broker.close();
  });

  it('resends unacknowledged messages after a reconnect with their full topic, and starts the aliases afresh', async () => {
    const broker = createBroker();
    const persistent = { clientId: 'sub', clean: false, properties: { sessionExpiryInterval: 300, topicAliasMaximum: 5 } };
    const first = await connectClient(broker, 5, persistent);
    await first.subscribe({ topic: 'r/#', qos: 1 });
    const pub = await connectClient(broker, 5, { clientId: 'pub' });
    pub.publish('r/1', 'one', { qos: 1 });
    pub.publish('r/1', 'two', { qos: 1 });
    expect((await first.expect('publish')).properties?.topicAlias).toBe(1);
    expect((await first.expect('publish')).topic).toBe('');
    first.end();
    await first.closed;
    const again = await connectClient(broker, 5, persistent);
    for (const payload of ['one', 'two']) {
      const resent = await again.expect('publish');
      expect([resent.dup, resent.topic, resent.properties?.topicAlias, resent.payload.toString()]).toEqual([true, 'r/1', undefined, payload]);
      again.send({ cmd: 'puback', messageId: resent.messageId });
    }
    pub.publish('r/1', 'three', { qos: 1 });
    const fresh = await again.expect('publish');
    expect([fresh.topic, fresh.properties?.topicAlias, fresh.payload.toString()]).toEqual(['r/1', 1, 'three']);
    await broker.close();
  });
});
