/**
 * Issue 15: where an instance's metrics and event log live in Redis. The broker node serving
 * the instance writes them once a second; the control plane reads them directly. Every key is
 * bounded (trimmed by time or by length) and expires when nobody writes it any more.
 *
 * - `totals` (hash): counters since the instance was created, summed over nodes (HINCRBY).
 * - `now` (string, JSON): the gauges and rates of the last flush; expires after NOW_TTL_SECONDS,
 *   so an instance no node serves reads as idle. Written only when something changed, and at
 *   least every ACTIVITY_KEEPALIVE_SECONDS (issue 16: an idle instance costs Redis nothing per second).
 * - `s` / `m` (sorted sets by epoch second / minute): one point per second for SECOND_SERIES_SECONDS,
 *   one per minute for MINUTE_SERIES_SECONDS. A second (or minute) without a point, up to
 *   ACTIVITY_MAX_GAP_SECONDS after one, means "unchanged": `carryForward` fills it.
 * - `events` (stream): the event log, newest kept, at most the edition's `eventLogEntries` (approximately: MAXLEN ~).
 */
/** The kinds of events the tenant's event log holds. */
export const ACTIVITY_EVENT_TYPES = [
  'client.connected',
  'client.disconnected',
  'client.connect-refused',
  'client.throttled',
  'authorization.denied',
  'message.dropped',
] as const;
export type ActivityEventType = (typeof ACTIVITY_EVENT_TYPES)[number];

export const SECOND_SERIES_SECONDS = 3_600;
export const MINUTE_SERIES_SECONDS = 30 * 24 * 3_600;
/**
 * Issue 16: a node writes an instance's second only when something changed (a counter, a gauge,
 * an event), and at least this often while it serves it, so a reader can tell "idle" (gauges carried
 * forward over the gap) from "served by nobody" (no points after the gap).
 */
export const ACTIVITY_KEEPALIVE_SECONDS = 60;
/** The longest gap a reader fills by carrying the last point forward (keep-alive plus the flush's jitter). */
export const ACTIVITY_MAX_GAP_SECONDS = ACTIVITY_KEEPALIVE_SECONDS + 5;
export const NOW_TTL_SECONDS = ACTIVITY_KEEPALIVE_SECONDS + 15;
/** Totals and the event log of an instance nobody serves any more (deleted) are forgotten after this. */
export const ACTIVITY_TTL_SECONDS = MINUTE_SERIES_SECONDS + 24 * 3_600;

export function activityKeys(prefix: string, instanceId: string) {
  // The id as a hash tag: one instance's keys share a Redis Cluster slot, so the broker's flush script may write them all.
  const base = `${prefix}:instance:{${instanceId}}`;
  return {
    totals: `${base}:totals`,
    now: `${base}:metrics-now`,
    seconds: `${base}:metrics-s`,
    minutes: `${base}:metrics-m`,
    events: `${base}:events`,
  };
}

/** The gauges and rates of the last flush (the `now` key). */
export interface ActivityNow {
  /** Epoch ms of the flush. */
  at: number;
  connections: number;
  sessions: number;
  subscriptions: number;
  retainedCount: number;
  retainedBytes: number;
  receivedPerSecond: number;
  sentPerSecond: number;
}

/**
 * One point of a series (a member of `s` or `m`): the gauges at its end and the counts during
 * it. Kept as a short array: a minute series holds 43,200 of them.
 */
export interface ActivityPoint {
  /** Epoch seconds of the point's start. */
  t: number;
  connections: number;
  sessions: number;
  subscriptions: number;
  retainedCount: number;
  retainedBytes: number;
  received: number;
  sent: number;
  dropped: number;
  authenticationAllow: number;
  authenticationDeny: number;
  authenticationError: number;
  authorizationAllow: number;
  authorizationDeny: number;
}

const POINT_FIELDS = [
  't',
  'connections',
  'sessions',
  'subscriptions',
  'retainedCount',
  'retainedBytes',
  'received',
  'sent',
  'dropped',
  'authenticationAllow',
  'authenticationDeny',
  'authenticationError',
  'authorizationAllow',
  'authorizationDeny',
] as const satisfies readonly (keyof ActivityPoint)[];

export function encodePoint(point: ActivityPoint): string {
  return JSON.stringify(POINT_FIELDS.map((field) => point[field]));
}

/** A stored point, or undefined when it is not one (a newer or damaged member is skipped, not fatal). */
export function decodePoint(member: string): ActivityPoint | undefined {
  let values: unknown;
  try {
    values = JSON.parse(member);
  } catch {
    return undefined;
  }
  if (!Array.isArray(values) || values.length < POINT_FIELDS.length || !values.every((v) => typeof v === 'number')) return undefined;
  return Object.fromEntries(POINT_FIELDS.map((field, i) => [field, values[i] as number])) as unknown as ActivityPoint;
}

/** Fields of the `totals` hash. */
export const TOTAL_FIELDS = {
  received: 'received',
  sent: 'sent',
  authenticationAllow: 'authentication.allow',
  authenticationDeny: 'authentication.deny',
  authenticationError: 'authentication.error',
  authorizationAllow: 'authorization.allow',
  authorizationDeny: 'authorization.deny',
  eventsDropped: 'events.dropped',
  eventsSampledOut: 'events.sampled-out',
  /** `dropped.<reason>`, one per refusal reason. */
  droppedPrefix: 'dropped.',
} as const;

const COUNT_FIELDS = ['received', 'sent', 'dropped', 'authenticationAllow', 'authenticationDeny', 'authenticationError', 'authorizationAllow', 'authorizationDeny'] as const;

/**
 * The points of [fromT, toT) every `resolution` seconds with no gaps: a missing point up to
 * ACTIVITY_MAX_GAP_SECONDS after a stored one (or after `previous`, the last stored before fromT)
 * is that point's gauges with zero counts; after a longer gap nobody served the instance and no
 * point is made. `points` sorted by `t`.
 */
export function carryForward(points: ActivityPoint[], fromT: number, toT: number, resolution: number, previous?: ActivityPoint): ActivityPoint[] {
  const maxGap = Math.max(ACTIVITY_MAX_GAP_SECONDS, 2 * resolution);
  const filled: ActivityPoint[] = [];
  let last = previous;
  let next = 0;
  for (let t = fromT; t < toT; t += resolution) {
    while (next < points.length && points[next]!.t < t) last = points[next++];
    const stored = points[next];
    if (stored !== undefined && stored.t === t) {
      filled.push(stored);
      last = stored;
      next++;
    } else if (last !== undefined && t - last.t <= maxGap) {
      const gap: ActivityPoint = { ...last, t };
      for (const field of COUNT_FIELDS) gap[field] = 0;
      filled.push(gap);
    }
  }
  return filled;
}
