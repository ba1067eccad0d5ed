import { generate, type IPublishPacket, type QoS } from 'mqtt-packet';
import type { Delivery, Message, PublishProperties } from './message';
import type { TopicAliasUse } from './outbound-topic-aliases';

const PLACEHOLDER_ID = 1;

function propertiesFor(message: Message, subscriptionIds: readonly number[] | undefined, now: number): PublishProperties | undefined {
  if (message.expiresAt === undefined && subscriptionIds === undefined) return message.properties;
  const properties: PublishProperties = { ...message.properties };
  // [MQTT-3.3.2-6] the expiry interval sent on is the time left.
  if (message.expiresAt !== undefined) properties.messageExpiryInterval = Math.max(1, Math.ceil((message.expiresAt - now) / 1000));
  // [MQTT-3.3.4-3] every matching subscription's identifier.
  if (subscriptionIds !== undefined) properties.subscriptionIdentifier = subscriptionIds.length === 1 ? subscriptionIds[0] : [...subscriptionIds];
  return properties;
}

function encode(message: Message, protocolVersion: number, qos: QoS, retain: boolean, packetId: number, dup: boolean, subscriptionIds: readonly number[] | undefined, now: number): Buffer {
  const packet: IPublishPacket = {
    cmd: 'publish',
    topic: message.topic,
    payload: message.payload,
    qos,
    retain,
    dup,
    messageId: qos > 0 ? packetId : undefined,
  };
  if (protocolVersion === 5) {
    const properties = propertiesFor(message, subscriptionIds, now);
    if (properties) packet.properties = properties;
  }
  if (packet.properties === undefined && Buffer.isBuffer(message.payload)) return encodeBarePublish(message.topic, message.payload, qos, retain, dup, packetId, protocolVersion === 5);
  return generate(packet, { protocolVersion });
}

/**
 * A PUBLISH without properties, written straight into one buffer: the same bytes as
 * mqtt-packet's `generate` (a 5.0 one carries a zero property length), without its
 * intermediate stream and list of chunks, on every single-subscriber delivery.
 */
export function encodeBarePublish(topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number, v5: boolean): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payload.length;
  const packet = Buffer.allocUnsafe(1 + varintSize(remaining) + remaining);
  packet[0] = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let at = writeVarint(packet, 1, remaining);
  at = packet.writeUInt16BE(topicBytes, at);
  at += packet.write(topic, at, 'utf8');
  if (qos > 0) at = packet.writeUInt16BE(packetId, at);
  if (v5) packet[at++] = 0;
  payload.copy(packet, at);
  return packet;
}

/** Offset of the packet identifier inside an encoded QoS 1/2 PUBLISH. */
function packetIdOffset(buffer: Buffer): number {
  let offset = 1;
  while (buffer[offset] & 0x80) offset++;
  offset++;
  return offset + 2 + buffer.readUInt16BE(offset);
}

/** Copies a QoS 1/2 template and writes the packet identifier into it. */
export function withPacketId(template: Buffer, packetId: number): Buffer {
  const copy = Buffer.allocUnsafe(template.length);
  template.copy(copy);
  copy.writeUInt16BE(packetId, packetIdOffset(copy));
  return copy;
}

function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4;
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  let rest = value;
  do {
    let byte = rest % 0x80;
    rest = Math.floor(rest / 0x80);
    if (rest > 0) byte |= 0x80;
    buffer[offset++] = byte;
  } while (rest > 0);
  return offset;
}

/** Reads a variable byte integer at `offset`: its value and the offset after it. */
function readVarint(buffer: Buffer, offset: number): { value: number; end: number } {
  let value = 0;
  let multiplier = 1;
  let at = offset;
  let byte: number;
  do {
    byte = buffer[at++] as number;
    value += (byte & 0x7f) * multiplier;
    multiplier *= 0x80;
  } while (byte & 0x80);
  return { value, end: at };
}

const TOPIC_ALIAS_PROPERTY = 0x23;

/**
 * A 5.0 PUBLISH rewritten to use a topic alias: the alias property goes first in the
 * properties, the topic stays (the PUBLISH sets the alias) or becomes empty (it uses it), and
 * the packet identifier is written. One copy of the encoded PUBLISH, no re-encoding.
 */
export function withTopicAlias(encoded: Buffer, use: TopicAliasUse, packetId: number): Buffer {
  const qos = ((encoded[0] as number) >> 1) & 0x03;
  const topicStart = readVarint(encoded, 1).end;
  const topicEnd = topicStart + 2 + encoded.readUInt16BE(topicStart);
  const idEnd = topicEnd + (qos > 0 ? 2 : 0);
  const properties = readVarint(encoded, idEnd);
  const propertiesEnd = properties.end + properties.value;
  const topicBytes = use.sendTopic ? topicEnd - topicStart : 2;
  const newPropertiesLength = properties.value + 3;
  const remaining = topicBytes + (idEnd - topicEnd) + varintSize(newPropertiesLength) + newPropertiesLength + (encoded.length - propertiesEnd);
  const packet = Buffer.allocUnsafe(1 + varintSize(remaining) + remaining);
  packet[0] = encoded[0] as number;
  let at = writeVarint(packet, 1, remaining);
  if (use.sendTopic) at += encoded.copy(packet, at, topicStart, topicEnd);
  else at = packet.writeUInt16BE(0, at);
  if (qos > 0) at = packet.writeUInt16BE(packetId, at);
  at = writeVarint(packet, at, newPropertiesLength);
  packet[at++] = TOPIC_ALIAS_PROPERTY;
  at = packet.writeUInt16BE(use.alias, at);
  at += encoded.copy(packet, at, properties.end, propertiesEnd);
  encoded.copy(packet, at, propertiesEnd);
  return packet;
}

/**
 * Runs one fan-out of `message` with its encodings kept: inside `fanOut` the PUBLISH is encoded
 * once per (protocol, qos, retain). They are let go afterwards, so a retained or queued message
 * holds no encoded copies (up to twelve of them, none counted by messageBytes).
 */
export function withEncodingCache<T>(message: Message, fanOut: () => T): T {
  message.encoded = new Array<Buffer | undefined>(12);
  try {
    return fanOut();
  } finally {
    message.encoded = undefined;
  }
}

/**
 * The PUBLISH for a delivery. Within withEncodingCache, messages without expiry and deliveries
 * without subscription identifiers are encoded once per (protocol, qos, retain) and the packet id
 * patched in; with a topic alias (5.0 only) that shared encoding is rewritten for this connection.
 */
export function encodeDelivery(delivery: Delivery, protocolVersion: number, packetId: number, dup: boolean, now: number, alias?: TopicAliasUse): Buffer {
  const { message, qos, retain, subscriptionIds } = delivery;
  const v5 = protocolVersion === 5;
  const cache = message.encoded;
  if (cache === undefined || dup || subscriptionIds !== undefined || message.expiresAt !== undefined) {
    const encoded = encode(message, protocolVersion, qos, retain, packetId, dup, v5 ? subscriptionIds : undefined, now);
    return alias === undefined ? encoded : withTopicAlias(encoded, alias, packetId);
  }
  const slot = (v5 ? 6 : 0) + qos * 2 + (retain ? 1 : 0);
  let template = cache[slot];
  if (template === undefined) {
    template = encode(message, v5 ? 5 : 4, qos, retain, PLACEHOLDER_ID, false, undefined, now);
    cache[slot] = template;
  }
  if (alias !== undefined) return withTopicAlias(template, alias, packetId);
  return qos === 0 ? template : withPacketId(template, packetId);
}
