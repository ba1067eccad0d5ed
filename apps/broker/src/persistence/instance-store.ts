import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { InstanceDurability, RestoredInstance, RestoredSession, StoredRef } from '../protocol/durability';
import { isExpired, type Delivery, type Message } from '../protocol/message';
import type { Session } from '../protocol/session-store';
import { decodeDelivery, decodeMessage, decodeSession, decodeWill, encodeDelivery, encodeMessage, encodeSession, encodeWill, subjectToken, type SessionRecord } from './record-codec';
import { readStream } from './read-stream';
import type { StreamNames } from './stream-names';
import type { AckedPublisher } from './acked-publisher';

/** What the node's store gives each instance: JetStream, the names, a way to wait for the streams. */
export interface StoreAccess {
  readonly js: JetStreamClient;
  /** Hot-path writes (acked-publisher.ts). */
  readonly publisher: AckedPublisher;
  readonly jsm: JetStreamManager;
  readonly names: StreamNames;
  readonly logger: Logger;
  /** Resolves once the streams exist (created on the first write). */
  ready(): Promise<void>;
  /** Whether they exist already (then a write goes straight out). */
  readonly streamsReady: boolean;
}

/** Completed queue records are purged after this many, or after this long: the record's floor already hides them. */
const PURGE_EVERY_RECORDS = 1_000;
const PURGE_EVERY_MS = 1_000;
/**
 * What waits for nobody (acknowledged deliveries, QoS 1 packet ids) is written within this
 * delay, many changes in one write; what an acknowledgement waits for is written next turn.
 */
const LAZY_WRITE_MS = 20;
/** Bytes on their way to JetStream beyond which publishers stop being read, and below which they are read again. */
const CONGESTED_BYTES = 8 * 1024 * 1024;
const DRAINED_BYTES = 4 * 1024 * 1024;

/** What the store tracks of one persistent session's stored queue. */
class StoredSession {
  /** Sequences appended and not yet done, ascending from `head`. */
  seqs: number[] = [];
  head = 0;
  /** Done sequences still at or above the floor (acknowledged out of order, dropped). */
  readonly done = new Set<number>();
  lastSeq: number;
  appending = 0;
  private waiters: (() => void)[] = [];
  pending: Promise<void> | undefined;
  /** Starts the pending write: now (next turn) or after LAZY_WRITE_MS. */
  fire: (() => void) | undefined;
  lazyTimer: NodeJS.Timeout | undefined;
  /** The record was written once: a queued message is never stored without its session. */
  recorded = false;
  doneSincePurge = 0;
  lastPurge = 0;

  constructor(
    readonly token: string,
    /** No queue record below this belongs to this session (older ones are of an ended session). */
    readonly floorMin: number,
  ) {
    this.lastSeq = floorMin - 1;
  }

  add(seq: number): void {
    let i = this.seqs.length;
    while (i > this.head && this.seqs[i - 1] > seq) i--;
    this.seqs.splice(i, 0, seq);
    if (seq > this.lastSeq) this.lastSeq = seq;
  }

  appended(): void {
    if (--this.appending === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  whenAppended(): Promise<void> {
    return this.appending === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The lowest sequence not done (everything below is done), after moving past the done head. */
  floor(): number {
    while (this.head < this.seqs.length && this.done.delete(this.seqs[this.head])) this.head++;
    if (this.head > 1024 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    return this.head < this.seqs.length ? this.seqs[this.head] : Math.max(this.lastSeq + 1, this.floorMin);
  }
}

/**
 * Issue 14: one instance's durable state on JetStream, written behind the in-memory engine.
 * Queue records are appended, pipelined, and the publisher's acknowledgement waits for them;
 * the session record (subscriptions, expiry, will, packet-id state, the queue's floor and the
 * records done above it) is rewritten at most once per event-loop turn per session, so a
 * stream of acknowledgements costs one write per batch, not one per message.
 */
export class InstanceStore implements InstanceDurability {
  private readonly states = new Map<Session, StoredSession>();
  /** Loaded sessions waiting for the engine to rebuild them, by client id. */
  private readonly adopted = new Map<string, StoredSession>();
  /** Writes of one session subject run one after another (a session that ends and starts again keeps its order). */
  private readonly tails = new Map<string, Promise<void>>();
  /** The highest queue sequence seen: a new session's records start above it. */
  private highestSeq = 0;
  /** Bytes written and not yet acknowledged by JetStream, and who waits for them to drain. */
  private unacknowledgedBytes = 0;
  private drained: (() => void)[] = [];

  constructor(
    readonly instanceId: string,
    private readonly access: StoreAccess,
  ) {}

  private publish(subject: string, data: Uint8Array): Promise<number> {
    const { publisher } = this.access;
    const bytes = data.length;
    this.unacknowledgedBytes += bytes;
    const written = this.access.streamsReady ? publisher.publish(subject, data) : this.access.ready().then(() => publisher.publish(subject, data));
    const settle = (): void => {
      this.unacknowledgedBytes -= bytes;
      if (this.unacknowledgedBytes <= DRAINED_BYTES && this.drained.length > 0) for (const wake of this.drained.splice(0)) wake();
    };
    return written.then(
      (seq) => {
        settle();
        return seq;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  }

  congestion(): Promise<void> | undefined {
    if (this.unacknowledgedBytes < CONGESTED_BYTES) return undefined;
    return new Promise((resolve) => this.drained.push(resolve));
  }

  /** The session's state: its own, or the one loaded for its client id (a restored session). */
  private find(session: Session): StoredSession | undefined {
    let state = this.states.get(session);
    if (state === undefined) {
      state = this.adopted.get(session.clientId);
      if (state === undefined) return undefined;
      this.adopted.delete(session.clientId);
      this.states.set(session, state);
    }
    return state;
  }

  private stateOf(session: Session): StoredSession {
    let state = this.find(session);
    if (state === undefined) {
      state = new StoredSession(subjectToken(session.clientId), this.highestSeq + 1);
      this.states.set(session, state);
    }
    return state;
  }

  stored(session: Session, delivery: Delivery): Promise<void> {
    const state = this.stateOf(session);
    const ref: StoredRef = { seq: undefined, done: false };
    delivery.stored = ref;
    state.appending++;
    // A session's first queued message also waits for the session's record.
    const record = state.recorded ? undefined : this.schedule(session, state, true);
    const subject = this.access.names.queued(this.instanceId, state.token);
    const append = this.publish(subject, encodeDelivery(delivery)).then(
      (seq) => {
        ref.seq = seq;
        if (seq > this.highestSeq) this.highestSeq = seq;
        state.add(seq);
        state.appended();
        if (ref.done) this.markDone(session, state, seq);
      },
      (error: unknown) => {
        state.appended();
        throw error;
      },
    );
    return record === undefined ? append : Promise.all([append, record]).then(() => undefined);
  }

  retained(message: Message): Promise<void> {
    const subject = this.access.names.retainedTopic(this.instanceId, subjectToken(message.topic));
    return this.publish(subject, message.payload.length === 0 ? new Uint8Array(0) : encodeMessage(message)).then(() => undefined);
  }

  touched(session: Session, lazily = false): Promise<void> {
    if (session.expirySeconds === 0 && this.find(session) === undefined) return Promise.resolve();
    return this.schedule(session, this.stateOf(session), !lazily);
  }

  settled(session: Session, delivery: Delivery): void {
    const ref = delivery.stored;
    if (ref === undefined || ref.done) return;
    ref.done = true;
    const state = this.find(session);
    if (state !== undefined && ref.seq !== undefined) this.markDone(session, state, ref.seq);
  }

  private markDone(session: Session, state: StoredSession, seq: number): void {
    state.done.add(seq);
    state.doneSincePurge++;
    void this.schedule(session, state, false);
  }

  ended(session: Session): void {
    const state = this.find(session);
    if (state === undefined) return;
    this.states.delete(session);
    const { names, jsm } = this.access;
    void this.serial(state.token, async () => {
      await state.whenAppended();
      // Purged, not replaced by an empty record: ended sessions leave no subject behind.
      await jsm.streams.purge(names.sessions, { filter: names.session(this.instanceId, state.token) });
      await jsm.streams.purge(names.queue, { filter: names.queued(this.instanceId, state.token), seq: state.lastSeq + 1 });
    }).catch((error: unknown) => this.access.logger.error({ err: error, instanceId: this.instanceId }, 'durable store: removing an ended session failed'));
  }

  private serial(token: string, work: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(token) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.tails.set(token, next);
    const forget = () => {
      if (this.tails.get(token) === next) this.tails.delete(token);
    };
    next.then(forget, forget);
    return next;
  }

  /**
   * One write of the session record for everything that changed until it starts: next turn
   * when `urgent` (an acknowledgement waits), else within LAZY_WRITE_MS (an urgent change
   * meanwhile brings it forward).
   */
  private schedule(session: Session, state: StoredSession, urgent: boolean): Promise<void> {
    if (state.pending !== undefined) {
      if (urgent && state.lazyTimer !== undefined) {
        clearTimeout(state.lazyTimer);
        state.lazyTimer = undefined;
        setImmediate(state.fire!);
      }
      return state.pending;
    }
    let fire: () => void = () => undefined;
    const due = new Promise<void>((resolve) => (fire = resolve));
    state.fire = fire;
    if (urgent) setImmediate(fire);
    else state.lazyTimer = setTimeout(fire, LAZY_WRITE_MS);
    const pending = this.serial(state.token, async () => {
      await due;
      state.pending = undefined;
      state.fire = undefined;
      state.lazyTimer = undefined;
      if (this.states.get(session) !== state) return;
      await this.flush(session, state);
    });
    state.pending = pending;
    // Logged once here; whoever awaits the write sees the failure too.
    pending.catch((error: unknown) => this.access.logger.error({ err: error, instanceId: this.instanceId }, 'durable store: writing a session failed'));
    return pending;
  }

  private async flush(session: Session, state: StoredSession): Promise<void> {
    await state.whenAppended();
    const floor = state.floor();
    const will = session.delayedWill?.will ?? session.connection?.will;
    const record: SessionRecord = {
      v: 1,
      clientId: session.clientId,
      expirySeconds: session.expirySeconds,
      disconnectedAt: session.connection === undefined ? session.disconnectedAt : undefined,
      subscriptions: [...session.subscriptions.values()].map((s) => ({ key: s.key, qos: s.qos, noLocal: s.noLocal, retainAsPublished: s.retainAsPublished, retainHandling: s.retainHandling, subscriptionId: s.subscriptionId })),
      will: will === undefined ? undefined : { message: encodeWill(will.message), expirySeconds: will.expirySeconds, delaySeconds: will.delaySeconds },
      awaitingRelease: [...session.awaitingRelease],
      inflight: [],
      floor,
      done: [...state.done],
      lastClient: session.lastClient,
    };
    for (const [packetId, entry] of session.inflight) {
      const seq = entry.delivery.stored?.seq;
      if (seq !== undefined) record.inflight.push({ seq, packetId, phase: entry.phase });
    }
    const { names, jsm } = this.access;
    await this.publish(names.session(this.instanceId, state.token), encodeSession(record));
    state.recorded = true;
    const now = Date.now();
    if (state.doneSincePurge > 0 && (state.doneSincePurge >= PURGE_EVERY_RECORDS || now - state.lastPurge >= PURGE_EVERY_MS)) {
      state.doneSincePurge = 0;
      state.lastPurge = now;
      await jsm.streams.purge(names.queue, { filter: names.queued(this.instanceId, state.token), seq: floor });
    }
  }

  /** Waits for every write issued so far (a node stopping gracefully). */
  async drain(): Promise<void> {
    for (const [session, state] of this.states) this.schedule(session, state, true).catch(() => undefined);
    await Promise.allSettled([...this.tails.values()]);
  }

  /**
   * Everything stored for the instance: retained messages, persistent sessions with their
   * queued and unacknowledged messages. Read by three consumers, one per stream, deleted after.
   */
  async load(now = Date.now()): Promise<RestoredInstance> {
    const { js, jsm, names } = this.access;
    const [retainedRecords, sessionRecords, queueRecords] = await Promise.all([
      readStream(js, jsm, names.retained, names.ofInstance('retained', this.instanceId), true),
      readStream(js, jsm, names.sessions, names.ofInstance('session', this.instanceId), true),
      readStream(js, jsm, names.queue, names.ofInstance('queue', this.instanceId), false),
    ]);
    const retained: Message[] = [];
    for (const record of retainedRecords) {
      if (record.data.length === 0) continue;
      const message = decodeMessage(record.data);
      if (!isExpired(message, now)) retained.push(message);
    }
    const queues = new Map<string, { seq: number; data: Uint8Array }[]>();
    for (const record of queueRecords) {
      if (record.seq > this.highestSeq) this.highestSeq = record.seq;
      const token = record.subject.slice(record.subject.lastIndexOf('.') + 1);
      let list = queues.get(token);
      if (list === undefined) queues.set(token, (list = []));
      list.push(record);
    }
    const sessions: RestoredSession[] = [];
    for (const record of sessionRecords) {
      const stored = decodeSession(record.data);
      if (stored === undefined || stored.expirySeconds === 0) continue;
      sessions.push(this.restoredSession(stored, queues.get(subjectToken(stored.clientId)) ?? []));
    }
    return { retained, sessions };
  }

  private restoredSession(record: SessionRecord, queue: { seq: number; data: Uint8Array }[]): RestoredSession {
    const state = new StoredSession(subjectToken(record.clientId), record.floor);
    state.recorded = true;
    const done = new Set(record.done);
    const deliveries = new Map<number, Delivery>();
    for (const { seq, data } of queue) {
      if (seq < record.floor || done.has(seq)) continue;
      const delivery = decodeDelivery(data);
      delivery.stored = { seq, done: false };
      deliveries.set(seq, delivery);
      state.add(seq);
    }
    const inflight: RestoredSession['inflight'] = [];
    for (const entry of record.inflight) {
      const delivery = deliveries.get(entry.seq);
      if (delivery === undefined) continue;
      deliveries.delete(entry.seq);
      inflight.push({ delivery, packetId: entry.packetId, phase: entry.phase });
    }
    this.adopted.set(record.clientId, state);
    return {
      clientId: record.clientId,
      expirySeconds: record.expirySeconds,
      disconnectedAt: record.disconnectedAt,
      subscriptions: record.subscriptions,
      will: record.will === undefined ? undefined : { message: decodeWill(record.will.message), expirySeconds: record.will.expirySeconds, delaySeconds: record.will.delaySeconds },
      awaitingRelease: record.awaitingRelease,
      inflight,
      queue: [...deliveries.values()],
      lastClient: record.lastClient,
    };
  }
}
