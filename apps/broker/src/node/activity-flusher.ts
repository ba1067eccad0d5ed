import type { Redis } from 'ioredis';
import type { Logger } from '@mqc/observability';
import {
  ACTIVITY_KEEPALIVE_SECONDS,
  ACTIVITY_TTL_SECONDS,
  activityKeys,
  encodePoint,
  MINUTE_SERIES_SECONDS,
  NOW_TTL_SECONDS,
  SECOND_SERIES_SECONDS,
  TOTAL_FIELDS,
  type ActivityNow,
  type ActivityPoint,
} from '@mqc/queue';
import type { InstanceActivity } from '../protocol/instance-activity';
import type { InstanceBroker } from '../protocol/instance-broker';
import { REFUSAL_REASONS, type RefusalCounts } from '../protocol/refusal-counters';

/** How often a node writes its instances' metrics and events. */
export const ACTIVITY_FLUSH_MS = 1_000;

/** An instance served by this node, as the flusher reads it. */
export interface ActivitySource {
  broker: InstanceBroker;
  /** The edition's event log length. */
  eventLogEntries: number;
}

/**
 * One instance's second, written in one command (a script, so the writes of an instance are
 * one round of work for Redis and one encoded command for the node): gauges and rates replaced,
 * the second and minute points replaced and their series trimmed, the totals added, the events
 * appended to the capped stream. Every key gets its expiry again.
 */
const FLUSH_SCRIPT = `
local totals, nowKey, secKey, minKey, evKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local second, minute = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('SET', nowKey, ARGV[3], 'EX', ARGV[4])
redis.call('ZREMRANGEBYSCORE', secKey, second, second)
redis.call('ZADD', secKey, second, ARGV[5])
redis.call('ZREMRANGEBYSCORE', secKey, '-inf', '(' .. (second - tonumber(ARGV[6])))
redis.call('EXPIRE', secKey, ARGV[7])
redis.call('ZREMRANGEBYSCORE', minKey, minute, minute)
redis.call('ZADD', minKey, minute, ARGV[8])
redis.call('ZREMRANGEBYSCORE', minKey, '-inf', '(' .. (minute - tonumber(ARGV[9])))
redis.call('EXPIRE', minKey, ARGV[10])
local ttl, maxlen, pairs = ARGV[11], ARGV[12], tonumber(ARGV[13])
local i = 14
for _ = 1, pairs do
  redis.call('HINCRBY', totals, ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('EXPIRE', totals, ttl)
if i <= #ARGV then
  for j = i, #ARGV do redis.call('XADD', evKey, 'MAXLEN', '~', maxlen, '*', 'e', ARGV[j]) end
  redis.call('EXPIRE', evKey, ttl)
end
return 1
`;

type FlushPipeline = ReturnType<Redis['pipeline']> & { mqcFlushActivity(...args: (string | number)[]): unknown };

/** What the flusher remembers of one engine between flushes. */
interface Previous {
  refusals: RefusalCounts;
  at: number;
  /** The minute point being summed (written with every write, replaced until the minute ends). */
  minute: ActivityPoint | undefined;
  /** Epoch ms of the last write to Redis, the gauges it wrote and whether its rates were 0: an unchanged second is skipped. */
  writtenAt: number;
  gauges: Gauges;
  ratesZero: boolean;
  /** Put to sleep by the last visit: the next write's rates are of one second (its counts came after the wake). */
  slept: boolean;
}

interface Gauges {
  connections: number;
  sessions: number;
  subscriptions: number;
  retainedCount: number;
  retainedBytes: number;
}

/** The gauges written, and whether the instance holds anything a timer could change without a connection (open connections, sessions). */
function gaugesOf(broker: InstanceBroker): { gauges: Gauges; empty: boolean } {
  const usage = broker.usage;
  const gauges = {
    connections: broker.connectedClients,
    sessions: usage.sessions,
    subscriptions: usage.subscriptions,
    retainedCount: usage.retainedMessages,
    retainedBytes: usage.retainedBytes,
  };
  return { gauges, empty: usage.connections === 0 && usage.sessions === 0 };
}

function sameGauges(a: Gauges, b: Gauges): boolean {
  return a.connections === b.connections && a.sessions === b.sessions && a.subscriptions === b.subscriptions && a.retainedCount === b.retainedCount && a.retainedBytes === b.retainedBytes;
}

function sumInto(total: ActivityPoint, point: ActivityPoint): void {
  for (const key of ['received', 'sent', 'dropped', 'authenticationAllow', 'authenticationDeny', 'authenticationError', 'authorizationAllow', 'authorizationDeny'] as const) total[key] += point[key];
  for (const key of ['connections', 'sessions', 'subscriptions', 'retainedCount', 'retainedBytes'] as const) total[key] = point[key];
}

/**
 * Issue 15: once a second, every instance served here has its counters and events written to
 * Redis, one script call per instance, all in one pipeline (`libs/queue/src/instance-activity-store.ts`
 * for the layout): totals added, the gauges and rates replaced, a point added to the second and
 * minute series (both trimmed), the buffered events appended to the capped stream. Nothing on the packet path
 * waits for it; a failed write loses that second's counts and events (logged), never a packet.
 *
 * Issue 16: an instance whose second changed nothing (no counts, no events, the same gauges and
 * rates as its last write) is not written, except every ACTIVITY_KEEPALIVE_SECONDS; the reader
 * carries the last point forward over the gap. 10,000 idle instances cost Redis nothing per second.
 * Such an instance that also holds no connection and no session (nothing a timer could change)
 * is put to sleep until its keep-alive: a flush does not touch it (it visits the awake instances
 * and those whose keep-alive is due), until the engine wakes it (InstanceActivity.wake: a new
 * connection, an operator's action).
 */
export class ActivityFlusher {
  private readonly previous = new WeakMap<InstanceBroker, Previous>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** The served list last followed (the supervisor makes a new one when an instance opens or closes). */
  private known: readonly (readonly [string, ActivitySource])[] | undefined;
  /** Every served instance, by its activity. */
  private readonly tracked = new Map<InstanceActivity, readonly [string, ActivitySource]>();
  /** Visited every flush. */
  private readonly awake = new Set<InstanceActivity>();
  /** Woken by their engine since the last flush (InstanceActivity.wake). */
  private readonly woken: InstanceActivity[] = [];
  /** Sleeping instances by the epoch second their keep-alive is due. */
  private readonly due = new Map<number, InstanceActivity[]>();
  private dueSecond: number | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly sources: () => readonly (readonly [string, ActivitySource])[],
    private readonly logger: Logger,
  ) {
    if (!('mqcFlushActivity' in redis)) redis.defineCommand('mqcFlushActivity', { numberOfKeys: 5, lua: FLUSH_SCRIPT });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), ACTIVITY_FLUSH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** One flush at a time: a slow Redis makes the next one wait rather than pile up. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Starts tracking the instances opened since the last flush (awake), stops tracking the closed ones. */
  private follow(sources: readonly (readonly [string, ActivitySource])[]): void {
    if (sources === this.known) return;
    this.known = sources;
    const current = new Set<InstanceActivity>();
    for (const entry of sources) {
      const activity = entry[1].broker.activity;
      current.add(activity);
      if (!this.tracked.has(activity)) this.awake.add(activity);
      this.tracked.set(activity, entry);
    }
    for (const activity of this.tracked.keys()) {
      if (current.has(activity)) continue;
      this.tracked.delete(activity);
      this.awake.delete(activity);
    }
  }

  /** The woken instances, and the sleeping ones whose keep-alive is due, are awake again. */
  private wakeDue(now: number): void {
    for (const activity of this.woken) if (this.tracked.has(activity)) this.awake.add(activity);
    this.woken.length = 0;
    const second = Math.floor(now / 1000);
    for (let s = this.dueSecond ?? second; s <= second; s++) {
      const sleeping = this.due.get(s);
      if (!sleeping) continue;
      this.due.delete(s);
      // Skipped: woken meanwhile (and maybe asleep again, until later), or no longer served.
      for (const activity of sleeping) {
        if (activity.asleepUntil === 0 || activity.asleepUntil > now || !this.tracked.has(activity)) continue;
        activity.asleepUntil = 0;
        this.awake.add(activity);
      }
    }
    this.dueSecond = second + 1;
  }

  private putToSleep(activity: InstanceActivity, until: number): void {
    activity.sleep(until, this.woken);
    this.awake.delete(activity);
    const second = Math.ceil(until / 1000);
    const sleeping = this.due.get(second);
    if (sleeping) sleeping.push(activity);
    else this.due.set(second, [activity]);
  }

  private async write(now = Date.now()): Promise<void> {
    const sources = this.sources();
    this.follow(sources);
    this.wakeDue(now);
    if (this.awake.size === 0) return;
    const pipeline = this.redis.pipeline();
    let writes = 0;
    for (const activity of this.awake) {
      const [instanceId, source] = this.tracked.get(activity)!;
      if (this.append(pipeline, instanceId, source, now)) writes++;
    }
    if (writes === 0) return;
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error !== null);
      if (failed) this.logger.warn({ err: failed[0] }, 'could not write instance metrics or events');
    } catch (error) {
      this.logger.warn({ err: error, instances: sources.length }, 'could not write instance metrics or events');
    }
  }

  /** Appends the instance's second to the pipeline unless nothing changed; true when it did. */
  private append(pipeline: ReturnType<Redis['pipeline']>, instanceId: string, { broker, eventLogEntries }: ActivitySource, now: number): boolean {
    const before = this.previous.get(broker);
    const { gauges, empty } = gaugesOf(broker);
    const keepAliveAt = (before?.writtenAt ?? 0) + ACTIVITY_KEEPALIVE_SECONDS * 1000;
    // Nothing counted (a refusal is always counted or logged), the same gauges, rates already 0: nothing to write.
    if (before !== undefined && before.ratesZero && broker.activity.quiet && now < keepAliveAt && sameGauges(before.gauges, gauges)) {
      before.at = now;
      if (empty) {
        this.putToSleep(broker.activity, keepAliveAt);
        before.slept = true;
      }
      return false;
    }
    const keys = activityKeys(this.prefix, instanceId);
    const counters = broker.activity.drainCounters();
    const events = broker.activity.drainEvents();
    const refusals = broker.refusals;
    const elapsedSeconds = before === undefined || before.slept ? ACTIVITY_FLUSH_MS / 1000 : Math.max((now - before.at) / 1000, 0.001);

    const totals: Record<string, number> = {
      [TOTAL_FIELDS.received]: counters.received,
      [TOTAL_FIELDS.sent]: counters.sent,
      [TOTAL_FIELDS.authenticationAllow]: counters.authentication.allow,
      [TOTAL_FIELDS.authenticationDeny]: counters.authentication.deny,
      [TOTAL_FIELDS.authenticationError]: counters.authentication.error,
      [TOTAL_FIELDS.authorizationAllow]: counters.authorization.allow,
      [TOTAL_FIELDS.authorizationDeny]: counters.authorization.deny,
      [TOTAL_FIELDS.eventsDropped]: counters.eventsDropped,
      [TOTAL_FIELDS.eventsSampledOut]: counters.eventsSampledOut,
    };
    let dropped = 0;
    for (const reason of REFUSAL_REASONS) {
      const delta = refusals[reason] - (before?.refusals[reason] ?? 0);
      if (delta > 0) {
        totals[`${TOTAL_FIELDS.droppedPrefix}${reason}`] = delta;
        dropped += delta;
      }
    }
    const current: ActivityNow = {
      at: now,
      ...gauges,
      receivedPerSecond: Math.round((counters.received / elapsedSeconds) * 100) / 100,
      sentPerSecond: Math.round((counters.sent / elapsedSeconds) * 100) / 100,
    };
    const second = Math.floor(now / 1000);
    const point: ActivityPoint = {
      t: second,
      ...gauges,
      received: counters.received,
      sent: counters.sent,
      dropped,
      authenticationAllow: counters.authentication.allow,
      authenticationDeny: counters.authentication.deny,
      authenticationError: counters.authentication.error,
      authorizationAllow: counters.authorization.allow,
      authorizationDeny: counters.authorization.deny,
    };
    const minuteStart = second - (second % 60);
    let minute = before?.minute;
    if (minute === undefined || minute.t !== minuteStart) minute = { ...point, t: minuteStart };
    else sumInto(minute, point);

    const totalArgs: (string | number)[] = [];
    for (const [field, delta] of Object.entries(totals)) if (delta !== 0) totalArgs.push(field, delta);
    (pipeline as FlushPipeline).mqcFlushActivity(
      keys.totals,
      keys.now,
      keys.seconds,
      keys.minutes,
      keys.events,
      second,
      minuteStart,
      JSON.stringify(current),
      NOW_TTL_SECONDS,
      encodePoint(point),
      SECOND_SERIES_SECONDS,
      SECOND_SERIES_SECONDS + 60,
      encodePoint(minute),
      MINUTE_SERIES_SECONDS,
      MINUTE_SERIES_SECONDS + 3_600,
      ACTIVITY_TTL_SECONDS,
      eventLogEntries,
      totalArgs.length / 2,
      ...totalArgs,
      ...events.map((event) => JSON.stringify(event)),
    );
    const ratesZero = current.receivedPerSecond === 0 && current.sentPerSecond === 0;
    this.previous.set(broker, { refusals, at: now, minute, writtenAt: now, gauges, ratesZero, slept: false });
    return true;
  }
}
