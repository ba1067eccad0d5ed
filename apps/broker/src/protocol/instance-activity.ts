import type { ActivityEventType } from '@mqc/queue';

/**
 * One event of an instance, as the broker records it: `at` in epoch ms, the rest by type
 * (`reason` always says why in words; `connackCode` is what the client was answered).
 */
export interface ActivityEvent {
  type: ActivityEventType;
  at: number;
  clientId?: string;
  username?: string;
  /** The client's address. */
  source?: string;
  reason?: string;
  [detail: string]: unknown;
}

export interface ActivityCounters {
  received: number;
  sent: number;
  authentication: { allow: number; deny: number; error: number };
  authorization: { allow: number; deny: number };
  eventsDropped: number;
  eventsSampledOut: number;
}

/** Events buffered per instance between two flushes; beyond it they are counted, not kept. */
export const MAX_BUFFERED_EVENTS = 2_000;

/**
 * Events of one type kept per instance and second; the rest are counted (`sampledOut`). Keeps a
 * flood (a denied delivery per message, a queue dropping thousands) from pushing the connects
 * and refusals out of the bounded log.
 */
export const EVENTS_PER_TYPE_PER_SECOND = 20;

/**
 * What one instance did since the last flush, kept on the packet path as plain counters and a
 * bounded event buffer: a node flushes them to the store once a second (`node/activity-flusher.ts`),
 * so nothing here waits for I/O.
 */
export class InstanceActivity {
  received = 0;
  sent = 0;
  readonly authentication = { allow: 0, deny: 0, error: 0 };
  readonly authorization = { allow: 0, deny: 0 };
  /** Events not kept: the buffer was full (the store was slow), or the type's per-second sample was taken. */
  eventsDropped = 0;
  eventsSampledOut = 0;
  private events: ActivityEvent[] = [];
  private sampleSecond = 0;
  /** Made on the first sampled event (issue 16: an idle instance holds no Map for it). */
  private sampled: Map<ActivityEventType, number> | undefined;
  /**
   * Issue 16: the node's flusher does not look at a sleeping instance (no connection, no
   * session, nothing changed) before this epoch ms (its keep-alive); 0 while awake. The engine
   * wakes it whenever something could change (a new connection, an operator's action).
   */
  asleepUntil = 0;
  /** The flusher's list of woken instances, given when it put this one to sleep. */
  private wakeList: InstanceActivity[] | undefined;

  /** Keeps an event for the next flush, unless the buffer is full. */
  record(event: ActivityEvent): void {
    if (this.events.length >= MAX_BUFFERED_EVENTS) {
      this.eventsDropped++;
      return;
    }
    this.events.push(event);
  }

  /**
   * Whether an event of a frequent type is kept this second (at most EVENTS_PER_TYPE_PER_SECOND):
   * ask before building it, so a flood allocates nothing.
   */
  sample(type: ActivityEventType, now: number): boolean {
    const second = Math.floor(now / 1000);
    if (second !== this.sampleSecond) {
      this.sampleSecond = second;
      this.sampled?.clear();
    }
    this.sampled ??= new Map();
    const taken = this.sampled.get(type) ?? 0;
    if (taken >= EVENTS_PER_TYPE_PER_SECOND) {
      this.eventsSampledOut++;
      return false;
    }
    this.sampled.set(type, taken + 1);
    return true;
  }

  /** The flusher: nothing to look at before `until` (epoch ms) unless woken; a wake is told to `wakeList`. */
  sleep(until: number, wakeList: InstanceActivity[]): void {
    this.asleepUntil = until;
    this.wakeList = wakeList;
  }

  /** Something may change: the flusher looks at the instance again from its next flush. */
  wake(): void {
    if (this.asleepUntil === 0) return;
    this.asleepUntil = 0;
    this.wakeList?.push(this);
  }

  /** Nothing counted or buffered since the last drain (issue 16: the flusher skips such an instance without building anything). */
  get quiet(): boolean {
    const { authentication: n, authorization: z } = this;
    return (
      this.events.length === 0 &&
      this.received + this.sent + this.eventsDropped + this.eventsSampledOut + n.allow + n.deny + n.error + z.allow + z.deny === 0
    );
  }

  /** The counters since the last drain; they start again from 0. */
  drainCounters(): ActivityCounters {
    const counters: ActivityCounters = {
      received: this.received,
      sent: this.sent,
      authentication: { ...this.authentication },
      authorization: { ...this.authorization },
      eventsDropped: this.eventsDropped,
      eventsSampledOut: this.eventsSampledOut,
    };
    this.received = this.sent = this.eventsDropped = this.eventsSampledOut = 0;
    this.authentication.allow = this.authentication.deny = this.authentication.error = 0;
    this.authorization.allow = this.authorization.deny = 0;
    return counters;
  }

  /** The buffered events, oldest first; the buffer is emptied. */
  drainEvents(): ActivityEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }
}

/** A connection not attached to an instance counts here, and nobody reads it. */
export const DETACHED_ACTIVITY = new InstanceActivity();
