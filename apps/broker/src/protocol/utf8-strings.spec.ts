import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { connectClient, createBroker, openClient } from './testing/broker-fixture';
import { isWellFormedMqttString } from './utf8-strings';

const PLACEHOLDER = 'XXX';
const INVALID = Buffer.from([0x41, 0xc3, 0x28]); // 'A', then a lead byte followed by a non-continuation byte
const SURROGATE = Buffer.from([0xed, 0xa0, 0x80]); // U+D800 encoded: a lone surrogate [MQTT-1.5.4-1]
const NUL = Buffer.from([0x41, 0x00, 0x42]); // U+0000 [MQTT-1.5.4-2]

/** The packet's bytes with the string `XXX` replaced by `bytes` (of the same length, so every length field stays right). */
function withRawString(packet: Packet, protocolVersion: 4 | 5, bytes: Buffer): Buffer {
  const encoded = generate(packet, { protocolVersion });
  const at = encoded.indexOf(PLACEHOLDER);
  if (at < 0 || bytes.length !== PLACEHOLDER.length) throw new Error('placeholder not found');
  bytes.copy(encoded, at);
  return encoded;
}

const publish = (topic: string): Packet => ({ cmd: 'publish', topic, payload: Buffer.from('p'), qos: 0, retain: false, dup: false });

describe('isWellFormedMqttString', () => {
  it('accepts UTF-8 with U+FFFD itself, refuses invalid bytes, surrogates and U+0000', () => {
    expect(isWellFormedMqttString(Buffer.from('sensors/ü/\ufffd/温度'))).toBe(true);
    expect(isWellFormedMqttString(INVALID)).toBe(false);
    expect(isWellFormedMqttString(SURROGATE)).toBe(false);
    expect(isWellFormedMqttString(NUL)).toBe(false);
    expect(isWellFormedMqttString(NUL, true)).toBe(true);
  });
});

describe('strings that are not well-formed UTF-8 close the connection [MQTT-1.5.3-1]', () => {
  it.each([
    ['invalid UTF-8', INVALID],
    ['a lone surrogate', SURROGATE],
    ['U+0000', NUL],
  ])('5.0: a PUBLISH topic with %s gets DISCONNECT 0x81 malformed packet, and nobody receives it', async (_name, bytes) => {
    const broker = createBroker();
    const subscriber = await connectClient(broker, 5, { clientId: 'sub' });
    await subscriber.subscribe('#');
    const publisher = await connectClient(broker, 5, { clientId: 'pub' });
    publisher.sendRaw(withRawString(publish(`t/${PLACEHOLDER}`), 5, bytes));
    const received = await publisher.drainUntilClosed();
    expect(received).toMatchObject([{ cmd: 'disconnect', reasonCode: 0x81 }]);
    expect(await subscriber.nothingReceived()).toBe(true);
    await broker.close();
  });

  it('3.1.1: a PUBLISH topic with invalid UTF-8 closes the connection', async () => {
    const broker = createBroker();
    const subscriber = await connectClient(broker, 4, { clientId: 'sub' });
    await subscriber.subscribe('#');
    const publisher = await connectClient(broker, 4, { clientId: 'pub' });
    publisher.sendRaw(withRawString(publish(`t/${PLACEHOLDER}`), 4, INVALID));
    expect(await publisher.drainUntilClosed()).toEqual([]);
    expect(await subscriber.nothingReceived()).toBe(true);
    await broker.close();
  });

  it.each([
    ['SUBSCRIBE', { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `t/${PLACEHOLDER}`, qos: 0 }] } as Packet],
    ['UNSUBSCRIBE', { cmd: 'unsubscribe', messageId: 1, unsubscriptions: [`t/${PLACEHOLDER}`] } as Packet],
  ])('5.0: a %s filter with invalid UTF-8 gets DISCONNECT 0x81, no acknowledgement', async (_name, packet) => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c' });
    client.sendRaw(withRawString(packet, 5, INVALID));
    expect(await client.drainUntilClosed()).toMatchObject([{ cmd: 'disconnect', reasonCode: 0x81 }]);
    await broker.close();
  });

  it('a CONNECT whose client id is invalid UTF-8 is closed without CONNACK', async () => {
    const broker = createBroker();
    const client = openClient(broker, 4);
    client.sendRaw(withRawString({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: PLACEHOLDER, clean: true, keepalive: 30 }, 4, INVALID));
    expect(await client.drainUntilClosed()).toEqual([]);
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it('a topic holding U+FFFD itself (well formed) is delivered', async () => {
    const broker = createBroker();
    const subscriber = await connectClient(broker, 5, { clientId: 'sub' });
    await subscriber.subscribe('#');
    const publisher = await connectClient(broker, 5, { clientId: 'pub' });
    publisher.send(publish('t/\ufffd'));
    expect(await subscriber.expect('publish')).toMatchObject({ topic: 't/\ufffd' });
    await broker.close();
  });
});
