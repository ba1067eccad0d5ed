import type { IPublishPacket, QoS } from 'mqtt-packet';
import type { StoredRef } from './durability';

export type PublishProperties = NonNullable<IPublishPacket['properties']>;

/**
 * An application message as the broker routes it: immutable after routing starts, shared by
 * every subscriber it is delivered to.
 */
export interface Message {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** MQTT 5 properties forwarded unaltered, without topic alias and subscription identifiers [MQTT-3.3.2-?]. */
  readonly properties?: PublishProperties;
  /** Epoch ms after which the message is no longer delivered (5.0 message expiry interval). */
  readonly expiresAt?: number;
  /** Client id of the publisher, for the no-local subscription option. */
  readonly publisherId?: string;
  /** Encoded PUBLISH per (protocol, qos, retain) during one fan-out (withEncodingCache); only for messages without expiry, filled lazily. */
  encoded?: (Buffer | undefined)[];
  /** What messageBytes() computed, kept so queues and the retained store count it once. */
  bytes?: number;
}

/** One message on its way to one session: the granted QoS, retain flag and subscription ids. */
export interface Delivery {
  readonly message: Message;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds?: readonly number[];
  /** Issue 14: set when the delivery was appended to a persistent session's stored queue. */
  stored?: StoredRef;
}

export function isExpired(message: Message, now: number): boolean {
  return message.expiresAt !== undefined && message.expiresAt <= now;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (typeof value === 'number' || typeof value === 'boolean') return 4;
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + valueBytes(item), 0);
  if (typeof value === 'object' && value !== null) {
    let sum = 0;
    for (const [key, item] of Object.entries(value)) sum += Buffer.byteLength(key) + valueBytes(item);
    return sum;
  }
  return 0;
}

/** The bytes a message holds: topic, payload and properties (user properties included). What quotas on bytes count. */
export function messageBytes(message: Message): number {
  return (message.bytes ??= Buffer.byteLength(message.topic) + message.payload.length + valueBytes(message.properties));
}

/**
 * `bytes` in memory of their own. mqtt-packet parses a payload or correlation data as a view into
 * the socket's read chunk (up to 64 KiB, holding other packets too): a retained or queued message
 * keeping that view keeps the whole chunk alive, far beyond what its messageBytes counts.
 */
export function ownedBytes(bytes: Buffer): Buffer {
  if (bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  bytes.copy(copy);
  return copy;
}

/**
 * A QoS 0 message that is not retained is routed with its payload still a view into the read
 * chunk (no copy per message: it is encoded into each PUBLISH sent at once). A queue that keeps
 * it gives it bytes of its own first; the message is shared by its recipients, so the first
 * queue copies and the others find them owned.
 */
export function ownPayload(message: Message): void {
  const payload = ownedBytes(message.payload);
  if (payload !== message.payload) (message as { payload: Buffer }).payload = payload;
}
