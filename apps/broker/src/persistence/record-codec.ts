import { createHash } from 'node:crypto';
import type { QoS } from 'mqtt-packet';
import type { RestoredSubscription } from '../protocol/durability';
import type { Delivery, Message, PublishProperties } from '../protocol/message';
import type { SessionClient } from '../protocol/session-store';

/**
 * How the durable store writes messages and sessions: a record is a JSON head (the message's
 * topic, flags, properties, expiry) and the payload's bytes as they are, so large payloads are
 * never base64'd. Buffers inside properties (correlation data) are JSON'd as `{type:'Buffer'}`.
 */
interface MessageHead {
  t: string;
  q: QoS;
  r: boolean;
  p?: PublishProperties;
  e?: number;
  c?: string;
}

function reviveBuffers(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return value;
}

function head(message: Message): MessageHead {
  return { t: message.topic, q: message.qos, r: message.retain, p: message.properties, e: message.expiresAt, c: message.publisherId };
}

function fromHead(h: MessageHead, payload: Buffer): Message {
  return { topic: h.t, payload, qos: h.q, retain: h.r, properties: h.p, expiresAt: h.e, publisherId: h.c };
}

/** [u32 length of the JSON head][JSON head][payload]. */
function frame(json: unknown, payload: Buffer): Uint8Array {
  const text = Buffer.from(JSON.stringify(json));
  const out = Buffer.allocUnsafe(4 + text.length + payload.length);
  out.writeUInt32BE(text.length, 0);
  text.copy(out, 4);
  payload.copy(out, 4 + text.length);
  return out;
}

function unframe<T>(data: Uint8Array): { json: T; payload: Buffer } {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const length = bytes.readUInt32BE(0);
  const json = JSON.parse(bytes.subarray(4, 4 + length).toString(), reviveBuffers) as T;
  // A copy of its own: the record's buffer is the client's read chunk.
  return { json, payload: Buffer.from(bytes.subarray(4 + length)) };
}

export function encodeMessage(message: Message): Uint8Array {
  return frame(head(message), message.payload);
}

export function decodeMessage(data: Uint8Array): Message {
  const { json, payload } = unframe<MessageHead>(data);
  return fromHead(json, payload);
}

interface DeliveryHead {
  m: MessageHead;
  q: QoS;
  r: boolean;
  s?: readonly number[];
}

export function encodeDelivery(delivery: Delivery): Uint8Array {
  const json: DeliveryHead = { m: head(delivery.message), q: delivery.qos, r: delivery.retain, s: delivery.subscriptionIds };
  return frame(json, delivery.message.payload);
}

export function decodeDelivery(data: Uint8Array): Delivery {
  const { json, payload } = unframe<DeliveryHead>(data);
  return { message: fromHead(json.m, payload), qos: json.q, retain: json.r, subscriptionIds: json.s };
}

/** The stored record of one persistent session (one per client id, the last one wins). */
export interface SessionRecord {
  v: 1;
  clientId: string;
  expirySeconds: number;
  disconnectedAt?: number;
  subscriptions: RestoredSubscription[];
  will?: { message: { head: MessageHead; payload: string }; expirySeconds?: number; delaySeconds: number };
  awaitingRelease: number[];
  /** Sent, not yet acknowledged: the queue record's sequence, its packet id and phase, in send order. */
  inflight: { seq: number; packetId: number; phase: 'publish' | 'pubrel' }[];
  /** Queue records below this sequence are done (and purged). */
  floor: number;
  /** Queue records at or above the floor that are done too (acknowledged out of order, dropped). */
  done: number[];
  /** What its last connection was (the tenant's client list, issue 15); absent in records written before it was stored. */
  lastClient?: SessionClient;
}

export function encodeWill(message: Message): { head: MessageHead; payload: string } {
  return { head: head(message), payload: message.payload.toString('base64') };
}

export function decodeWill(will: { head: MessageHead; payload: string }): Message {
  return fromHead(will.head, Buffer.from(will.payload, 'base64'));
}

export function encodeSession(record: SessionRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record));
}

export function decodeSession(data: Uint8Array): SessionRecord | undefined {
  if (data.length === 0) return undefined;
  return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(), reviveBuffers) as SessionRecord;
}

/** A subject token for any client id or topic: NATS subjects allow neither dots nor wildcards nor spaces. */
export function subjectToken(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
