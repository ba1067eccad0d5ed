import { generate, type IPublishPacket, type QoS } from 'mqtt-packet';
import type { Delivery, Message, PublishProperties } from './message';

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
  return generate(packet, { protocolVersion });
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
 * patched in.
 */
export function encodeDelivery(delivery: Delivery, protocolVersion: number, packetId: number, dup: boolean, now: number): Buffer {
  const { message, qos, retain, subscriptionIds } = delivery;
  const v5 = protocolVersion === 5;
  const cache = message.encoded;
  if (cache === undefined || dup || subscriptionIds !== undefined || message.expiresAt !== undefined) {
    return encode(message, protocolVersion, qos, retain, packetId, dup, v5 ? subscriptionIds : undefined, now);
  }
  const slot = (v5 ? 6 : 0) + qos * 2 + (retain ? 1 : 0);
  let template = cache[slot];
  if (template === undefined) {
    template = encode(message, v5 ? 5 : 4, qos, retain, PLACEHOLDER_ID, false, undefined, now);
    cache[slot] = template;
  }
  return qos === 0 ? template : withPacketId(template, packetId);
}
