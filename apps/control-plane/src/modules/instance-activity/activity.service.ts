import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { MqcConfig } from '@mqc/config';
import { ACTIVITY_MAX_GAP_SECONDS, activityKeys, carryForward, decodePoint, SECOND_SERIES_SECONDS, TOTAL_FIELDS, type ActivityNow, type ActivityPoint } from '@mqc/queue';
import type { z } from 'zod';
import { ValidationError } from '../../common/domain-errors';
import { CONFIG, REDIS } from '../../common/tokens';
import { OwnedInstances } from '../instances/owned-instances';
import type { eventPageSchema, eventsQuerySchema, historyQuerySchema, historySchema, metricsSchema } from './activity.dto';

/** A page reads at most this many stream entries, so a filter that matches little cannot make a request scan a whole log. */
const EVENT_SCAN_BUDGET = 5_000;
const EVENT_SCAN_BATCH = 500;
const MAX_POINTS = 3_600;
const DEFAULT_WINDOW_MS = 15 * 60_000;

type Metrics = z.infer<typeof metricsSchema>;
type History = z.infer<typeof historySchema>;
type EventPage = z.infer<typeof eventPageSchema>;
type StoredEvent = { type: string; at: number; authenticatorId?: string | null; [k: string]: unknown };

function total(totals: Record<string, string>, field: string): number {
  const value = Number(totals[field] ?? 0);
  return Number.isFinite(value) ? value : 0;
}

function parseNow(raw: string | null): ActivityNow | undefined {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as ActivityNow;
  } catch {
    return undefined;
  }
}

/** The points of [from, to) summed into buckets of `step` seconds: counts added, the last gauges kept. */
function bucket(points: ActivityPoint[], fromSeconds: number, step: number, resolution: number): History['points'] {
  const buckets = new Map<number, ActivityPoint & { seconds: number }>();
  for (const point of points) {
    const start = fromSeconds + Math.floor((point.t - fromSeconds) / step) * step;
    const b = buckets.get(start);
    if (b === undefined) {
      buckets.set(start, { ...point, t: start, seconds: resolution });
      continue;
    }
    for (const key of ['received', 'sent', 'dropped', 'authenticationAllow', 'authenticationDeny', 'authenticationError', 'authorizationAllow', 'authorizationDeny'] as const) b[key] += point[key];
    for (const key of ['connections', 'sessions', 'subscriptions', 'retainedCount', 'retainedBytes'] as const) b[key] = point[key];
    b.seconds += resolution;
  }
  return [...buckets.values()]
    .sort((a, b) => a.t - b.t)
    .map((b) => ({
      at: new Date(b.t * 1000).toISOString(),
      connections: b.connections,
      sessions: b.sessions,
      subscriptions: b.subscriptions,
      retained: { count: b.retainedCount, bytes: b.retainedBytes },
      messages: { received: b.received, sent: b.sent, dropped: b.dropped },
      rates: { receivedPerSecond: Math.round((b.received / step) * 100) / 100, sentPerSecond: Math.round((b.sent / step) * 100) / 100 },
      authentication: { allow: b.authenticationAllow, deny: b.authenticationDeny, error: b.authenticationError },
      authorization: { allow: b.authorizationAllow, deny: b.authorizationDeny },
    }));
}

/**
 * Issue 15: an instance's metrics and event log, read straight from Redis where the serving
 * broker node writes them (`libs/queue/src/instance-activity-store.ts`). Each read first finds
 * the tenant's instance (404 across tenants).
 */
@Injectable()
export class ActivityService {
  constructor(
    private readonly instances: OwnedInstances,
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(CONFIG) private readonly config: MqcConfig,
  ) {}

  private keys(instanceId: string) {
    return activityKeys(this.config.redisPrefix, instanceId);
  }

  async metrics(tenantId: string, instanceId: string): Promise<Metrics> {
    await this.instances.find(tenantId, instanceId);
    const keys = this.keys(instanceId);
    const [totals, rawNow] = await Promise.all([this.redis.hgetall(keys.totals), this.redis.get(keys.now)]);
    const now = parseNow(rawNow);
    const dropped: Record<string, number> = {};
    for (const field of Object.keys(totals).sort()) {
      if (field.startsWith(TOTAL_FIELDS.droppedPrefix)) dropped[field.slice(TOTAL_FIELDS.droppedPrefix.length)] = total(totals, field);
    }
    return {
      at: now === undefined ? null : new Date(now.at).toISOString(),
      connections: now?.connections ?? 0,
      sessions: now?.sessions ?? 0,
      subscriptions: now?.subscriptions ?? 0,
      retained: { count: now?.retainedCount ?? 0, bytes: now?.retainedBytes ?? 0 },
      messages: { received: total(totals, TOTAL_FIELDS.received), sent: total(totals, TOTAL_FIELDS.sent), dropped },
      rates: { receivedPerSecond: now?.receivedPerSecond ?? 0, sentPerSecond: now?.sentPerSecond ?? 0 },
      authentication: {
        allow: total(totals, TOTAL_FIELDS.authenticationAllow),
        deny: total(totals, TOTAL_FIELDS.authenticationDeny),
        error: total(totals, TOTAL_FIELDS.authenticationError),
      },
      authorization: { allow: total(totals, TOTAL_FIELDS.authorizationAllow), deny: total(totals, TOTAL_FIELDS.authorizationDeny) },
      eventLog: { dropped: total(totals, TOTAL_FIELDS.eventsDropped), sampledOut: total(totals, TOTAL_FIELDS.eventsSampledOut) },
    };
  }

  async history(tenantId: string, instanceId: string, query: z.infer<typeof historyQuerySchema>): Promise<History> {
    await this.instances.find(tenantId, instanceId);
    const nowMs = Date.now();
    const to = query.to === undefined ? nowMs : Date.parse(query.to);
    const from = query.from === undefined ? to - DEFAULT_WINDOW_MS : Date.parse(query.from);
    if (from >= to) throw new ValidationError([{ field: 'from', message: 'must be before to' }]);
    const bySeconds = from >= nowMs - SECOND_SERIES_SECONDS * 1000;
    const resolution = bySeconds ? 1 : 60;
    const step = query.step ?? resolution;
    if (step % resolution !== 0) throw new ValidationError([{ field: 'step', message: 'before the last hour points are kept per minute: give a multiple of 60' }]);
    const fromSeconds = Math.floor(from / 1000 / resolution) * resolution;
    const toSeconds = Math.ceil(to / 1000);
    if ((toSeconds - fromSeconds) / step > MAX_POINTS) {
      throw new ValidationError([{ field: 'step', message: `at most ${MAX_POINTS} points per answer: raise step to ${Math.ceil((toSeconds - fromSeconds) / MAX_POINTS / resolution) * resolution} or narrow from/to` }]);
    }
    const keys = this.keys(instanceId);
    const series = bySeconds ? keys.seconds : keys.minutes;
    // Issue 16: an idle instance's unchanged seconds are not stored; the last point before the window seeds the carry-forward.
    const [members, before] = await Promise.all([
      this.redis.zrangebyscore(series, fromSeconds, `(${toSeconds}`),
      this.redis.zrevrangebyscore(series, `(${fromSeconds}`, fromSeconds - Math.max(ACTIVITY_MAX_GAP_SECONDS, 2 * resolution), 'LIMIT', 0, 1),
    ]);
    const stored = members.map(decodePoint).filter((p): p is ActivityPoint => p !== undefined);
    const previous = before[0] === undefined ? undefined : decodePoint(before[0]);
    const untilNow = Math.min(toSeconds, Math.floor(nowMs / 1000 / resolution) * resolution + resolution);
    const points = carryForward(stored, fromSeconds, untilNow, resolution, previous);
    return {
      from: new Date(fromSeconds * 1000).toISOString(),
      to: new Date(toSeconds * 1000).toISOString(),
      step,
      resolution: bySeconds ? 'second' : 'minute',
      points: bucket(points, fromSeconds, step, resolution),
    };
  }

  async events(tenantId: string, instanceId: string, query: z.infer<typeof eventsQuerySchema>): Promise<EventPage> {
    await this.instances.find(tenantId, instanceId);
    const key = this.keys(instanceId).events;
    const fromMs = query.from === undefined ? undefined : Date.parse(query.from);
    const min = fromMs === undefined ? '-' : String(fromMs);
    let end = query.cursor === undefined ? '+' : `(${query.cursor}`;
    const found: { id: string; event: StoredEvent }[] = [];
    let scanned = 0;
    let lastId: string | undefined;
    let exhausted = false;
    while (found.length < query.limit && scanned < EVENT_SCAN_BUDGET) {
      const batch = await this.redis.xrevrange(key, end, min, 'COUNT', Math.min(EVENT_SCAN_BATCH, EVENT_SCAN_BUDGET - scanned));
      if (batch.length === 0) {
        exhausted = true;
        break;
      }
      for (const [id, fields] of batch) {
        scanned++;
        lastId = id;
        const event = this.parseEvent(fields);
        if (event === undefined || (fromMs !== undefined && event.at < fromMs)) continue;
        if (query.type !== undefined && event.type !== query.type) continue;
        if (query.clientId !== undefined && event.clientId !== query.clientId) continue;
        found.push({ id, event });
        if (found.length === query.limit) break;
      }
      end = `(${lastId}`;
    }
    const items = await this.withAuthenticators(instanceId, found);
    const nextCursor = exhausted ? null : found.length === query.limit ? found[found.length - 1]!.id : (lastId ?? null);
    return { items, nextCursor };
  }

  private parseEvent(fields: string[]): StoredEvent | undefined {
    const index = fields.indexOf('e');
    if (index < 0) return undefined;
    try {
      const event = JSON.parse(fields[index + 1] ?? '') as StoredEvent;
      return typeof event.type === 'string' && typeof event.at === 'number' ? event : undefined;
    } catch {
      return undefined;
    }
  }

  /** The authenticator an event names, with its type (null when it was deleted since): one query per page. */
  private async withAuthenticators(instanceId: string, found: { id: string; event: StoredEvent }[]): Promise<EventPage['items']> {
    const ids = [...new Set(found.map((f) => f.event.authenticatorId).filter((id): id is string => typeof id === 'string'))];
    const types = new Map<string, string>();
    if (ids.length > 0) {
      const rows: { id: string; type: string }[] = await this.dataSource.query(`SELECT id, type FROM authenticators WHERE instance_id = $1 AND id = ANY($2::uuid[])`, [instanceId, ids]);
      for (const row of rows) types.set(row.id, row.type);
    }
    return found.map(({ id, event }) => {
      const { authenticatorId, at, ...rest } = event;
      const item: Record<string, unknown> = { id, ...rest, at: new Date(at).toISOString() };
      if (authenticatorId !== undefined) item.authenticator = authenticatorId === null ? null : { id: authenticatorId, type: types.get(authenticatorId) ?? null };
      return item as EventPage['items'][number];
    });
  }
}
