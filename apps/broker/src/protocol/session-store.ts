import type { QoS } from 'mqtt-packet';
import { DeliveryQueue, QueuedBytesTally } from './delivery-queue';
import type { Delivery } from './message';
import type { ClientConnection, WillIntent } from './client-connection';

/**
 * Sessions live in memory, per instance. Issue 14: persistent ones (expiry > 0) are also
 * written behind to the instance's durable store (durability.ts) and rebuilt from it when a
 * node starts serving the instance.
 */
export interface Subscription {
  readonly session: Session;
  /** The filter as the client sent it, `$share/group/` included: the key in the session. */
  readonly key: string;
  /** The filter matched against topic names. */
  readonly filter: string;
  readonly shareGroup?: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  subscriptionId?: number;
}

/** An outgoing QoS 1/2 message not yet acknowledged by the client. */
export interface InflightMessage {
  readonly delivery: Delivery;
  /** `publish`: waiting for PUBACK/PUBREC; `pubrel`: PUBREL sent, waiting for PUBCOMP. */
  phase: 'publish' | 'pubrel';
}

export interface DelayedWill {
  readonly will: WillIntent;
  readonly timer: NodeJS.Timeout;
}

/** A delivery waiting for its receive check; `allowed` is set when the answer comes. */
export interface ReceiveCheck {
  readonly delivery: Delivery;
  readonly connection: ClientConnection;
  allowed?: boolean;
}

/** What the last connection of a session was, for the tenant's client list (kept while the session is offline). */
export interface SessionClient {
  readonly username: string | undefined;
  readonly peerHost: string;
  readonly protocolVersion: 3 | 4 | 5;
  readonly keepAliveSeconds: number;
  readonly cleanStart: boolean;
  readonly connectedAt: number;
  /** The authenticator that accepted it; undefined for an anonymous allow. */
  readonly authenticator: { readonly id: string; readonly type: string } | undefined;
}

/** What a session without subscriptions, messages in flight or queued messages reads: shared, never written. */
const NO_SUBSCRIPTIONS: ReadonlyMap<string, Subscription> = new Map();
const NO_INFLIGHT: ReadonlyMap<number, InflightMessage> = new Map();
const NO_PACKET_IDS: ReadonlySet<number> = new Set();

/** The queue of a session that never queued anything: empty, shared, never written (see Session.writableQueue). */
export type QueueView = Pick<DeliveryQueue, 'length' | 'bytes' | 'peek'>;
const NO_QUEUE: QueueView = new DeliveryQueue();

/**
 * One session. Issue 16: its maps, set and queue are made on first use (an idle client's
 * session holds none); until then the read-only views are shared empty ones, and every
 * change goes through a method that makes the container.
 */
export class Session {
  /** The last connection that took the session; undefined for a session not yet taken by one (restored). */
  lastClient: SessionClient | undefined;
  /** When its last connection went away (epoch ms); undefined while connected. Stored (issue 14), so a restored session expires on time. */
  disconnectedAt: number | undefined;
  private subscriptionMap: Map<string, Subscription> | undefined;
  /** Insertion order is send order: redelivered in that order on reconnect [MQTT-4.6.0-1]. */
  private inflightMap: Map<number, InflightMessage> | undefined;
  private queued: DeliveryQueue | undefined;
  /** Inbound QoS 2 packet ids whose PUBREL has not arrived yet. */
  private releaseSet: Set<number> | undefined;
  /** Seconds the session outlives its connection; 0 ends it with the connection. */
  expirySeconds = 0;
  connection: ClientConnection | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
  delayedWill: DelayedWill | undefined;
  /**
   * Issue 13: the queue's head waits for a backend authorizer's answer (whether this connection
   * may receive its topic); the queue drains again when it comes (see outbound.ts).
   */
  receiveCheck: ReceiveCheck | undefined;
  /** Issue 14: a stored QoS 2 delivery waits for its packet id to be stored; later ones wait behind it (outbound.ts). */
  sendHeld = false;
  private lastPacketId = 0;

  /** Scratch state of the routing pass that last matched this session (see router.ts). */
  matchEpoch = 0;
  matchQos: QoS = 0;
  matchRetainAsPublished = false;
  matchSubscriptionIds: number[] | undefined;

  /** `tally` counts the queued bytes of all sessions of the instance (SessionStore's). */
  constructor(
    readonly clientId: string,
    private readonly tally = new QueuedBytesTally(),
  ) {}

  /** Its subscriptions by key (the filter as sent, `$share/` included). */
  get subscriptions(): ReadonlyMap<string, Subscription> {
    return this.subscriptionMap ?? NO_SUBSCRIPTIONS;
  }

  setSubscription(key: string, subscription: Subscription): void {
    (this.subscriptionMap ??= new Map()).set(key, subscription);
  }

  deleteSubscription(key: string): boolean {
    return this.subscriptionMap?.delete(key) ?? false;
  }

  /** Outgoing QoS 1/2 messages not yet acknowledged, by packet id, in send order. */
  get inflight(): ReadonlyMap<number, InflightMessage> {
    return this.inflightMap ?? NO_INFLIGHT;
  }

  setInflight(packetId: number, entry: InflightMessage): void {
    (this.inflightMap ??= new Map()).set(packetId, entry);
  }

  deleteInflight(packetId: number): boolean {
    return this.inflightMap?.delete(packetId) ?? false;
  }

  /** Inbound QoS 2 packet ids whose PUBREL has not arrived yet. */
  get awaitingRelease(): ReadonlySet<number> {
    return this.releaseSet ?? NO_PACKET_IDS;
  }

  awaitRelease(packetId: number): void {
    (this.releaseSet ??= new Set()).add(packetId);
  }

  /** Forgets an inbound QoS 2 packet id; false when it was not awaited. */
  released(packetId: number): boolean {
    return this.releaseSet?.delete(packetId) ?? false;
  }

  /** Deliveries waiting for the client, to read; `writableQueue()` to change them. */
  get queue(): QueueView {
    return this.queued ?? NO_QUEUE;
  }

  /** The queue, made on first use. */
  writableQueue(): DeliveryQueue {
    return (this.queued ??= new DeliveryQueue(this.tally));
  }

  /** Subscriptions, queue, in-flight messages and awaited releases gone (its queued bytes leave the tally). */
  clearState(): void {
    this.queued?.clear();
    this.subscriptionMap = this.inflightMap = this.queued = this.releaseSet = undefined;
  }

  /** A packet identifier unused by any in-flight message [MQTT-2.2.1-3]; undefined if all 65535 are taken. */
  allocatePacketId(): number | undefined {
    if (this.inflight.size >= 65535) return undefined;
    let id = this.lastPacketId;
    do {
      id = id === 65535 ? 1 : id + 1;
    } while (this.inflight.has(id));
    this.lastPacketId = id;
    return id;
  }
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly queued = new QueuedBytesTally();

  /** Bytes queued across every session of the store (messageBytes). */
  get queuedBytes(): number {
    return this.queued.bytes;
  }

  has(clientId: string): boolean {
    return this.sessions.has(clientId);
  }

  get(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  create(clientId: string): Session {
    const session = new Session(clientId, this.queued);
    this.sessions.set(clientId, session);
    return session;
  }

  delete(session: Session): void {
    if (this.sessions.get(session.clientId) === session) this.sessions.delete(session.clientId);
  }

  values(): IterableIterator<Session> {
    return this.sessions.values();
  }

  get size(): number {
    return this.sessions.size;
  }
}
