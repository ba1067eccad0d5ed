import type { QoS } from 'mqtt-packet';
import type { Delivery, Message } from './message';
import type { Session, SessionClient } from './session-store';

/**
 * Issue 14: where an instance's durable state is written behind the in-memory engine. The
 * engine calls these hooks; the store (apps/broker/src/persistence, NATS JetStream) decides
 * what to write and when. Only persistent sessions (session expiry > 0) and retained messages
 * reach it: QoS 0 and clean sessions never do.
 */
export interface InstanceDurability {
  /** A QoS 1/2 delivery for a persistent session: appended to its stored queue. The publisher's acknowledgement waits for the promise. */
  stored(session: Session, delivery: Delivery): Promise<void>;
  /** A retained message (an empty payload clears the topic): the publisher's acknowledgement waits for the promise. */
  retained(message: Message): Promise<void>;
  /**
   * Anything of the session record changed (subscriptions, expiry, will, packet-id state):
   * rewritten, coalesced; resolves once written. `lazily`: nothing waits for it (a QoS 1
   * packet id), so it may wait to share a write with later changes.
   */
  touched(session: Session, lazily?: boolean): Promise<void>;
  /** A stored delivery left the session: acknowledged, dropped, expired or refused. */
  settled(session: Session, delivery: Delivery): void;
  /** The session ended: its record and queue are removed. */
  ended(session: Session): void;
  /**
   * While more bytes wait for the store than it lets queue up: a promise resolved once they
   * drained. The publishing connection stops reading meanwhile (backpressure), so a flood of
   * large messages never piles up in memory on its way to the store.
   */
  congestion(): Promise<void> | undefined;
}

/** A delivery's place in the store: its stream sequence once the append was acknowledged. */
export interface StoredRef {
  seq: number | undefined;
  done: boolean;
}

export interface RestoredSubscription {
  key: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  subscriptionId?: number;
}

export interface RestoredWill {
  message: Message;
  expirySeconds?: number;
  delaySeconds: number;
}

/** One session as the store kept it: the engine rebuilds it offline, as after a network loss. */
export interface RestoredSession {
  clientId: string;
  expirySeconds: number;
  /** Epoch ms of the disconnect; undefined when it was online when the node stopped (counted from the load). */
  disconnectedAt?: number;
  subscriptions: RestoredSubscription[];
  will?: RestoredWill;
  awaitingRelease: number[];
  /** Deliveries sent and not yet acknowledged, in send order, with their packet ids. */
  inflight: { delivery: Delivery; packetId: number; phase: 'publish' | 'pubrel' }[];
  /** Deliveries waiting to be sent, in order. */
  queue: Delivery[];
  /** What its last connection was (username, peer, protocol, authenticator…), for the tenant's client list. */
  lastClient?: SessionClient;
}

export interface RestoredInstance {
  retained: Message[];
  sessions: RestoredSession[];
}
