/**
 * Issue 15: where an instance's metrics and event log live in Redis. The broker node serving
 * the instance writes them once a second; the control plane reads them directly. Every key is
 * bounded (trimmed by time or by length) and expires when nobody writes it any more.
 *
 * - `totals` (hash): counters since the instance was created, summed over nodes (HINCRBY).
 * - `now` (string, JSON): the gauges and rates of the last flush; expires after NOW_TTL_SECONDS,
 *   so an instance no node serves reads as idle.
 * - `s` / `m` (sorted sets by epoch second / minute): one point per second for SECOND_SERIES_SECONDS,
 *   one per minute for MINUTE_SERIES_SECONDS.
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
export const NOW_TTL_SECONDS = 15;
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
