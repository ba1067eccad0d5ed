import type { AuthorizationObserver, AuthorizationSource, AuthorizationVerdict, SourceResult } from '@mqc/auth';
import type { DataSource } from 'typeorm';
import type { Logger } from '@mqc/observability';

/** One authorizer's counters on this node since the last report. */
export interface AuthorizerCounters {
  total: number;
  allow: number;
  deny: number;
  noMatch: number;
  error: number;
  cacheHits: number;
  /** Milliseconds backend authorizers took to answer (in-memory ones: 0). */
  latencyMsSum: number;
  latencyMsMax: number;
}

function emptyCounters(): AuthorizerCounters {
  return { total: 0, allow: 0, deny: 0, noMatch: 0, error: 0, cacheHits: 0, latencyMsSum: 0, latencyMsMax: 0 };
}

/**
 * The node's per-authorizer counters (issue 13), fed by every connection's fold: each answer an
 * authorizer gave, and each verdict a client's decision cache answered, counted for the
 * authorizer that decided it (a noMatch-policy verdict names none and is not counted).
 * In-memory authorizers answer in well under a microsecond: no clock is read on that path,
 * so their latency is reported as 0; a backend authorizer's asks are timed (its cached answers
 * are not, so its average latency is over every answer, cached ones taking 0).
 */
export class AuthorizerMetrics implements AuthorizationObserver {
  private counters = new Map<string, AuthorizerCounters>();
  /** The authorizer counted last, and its counters: most checks count the one authorizer that counted before. */
  private lastId: string | undefined;
  private lastCounters: AuthorizerCounters | undefined;

  private of(id: string): AuthorizerCounters {
    if (id === this.lastId && this.lastCounters !== undefined) return this.lastCounters;
    let c = this.counters.get(id);
    if (c === undefined) this.counters.set(id, (c = emptyCounters()));
    this.lastId = id;
    this.lastCounters = c;
    return c;
  }

  result(source: AuthorizationSource, kind: SourceResult['kind']): void {
    const c = this.of(source.id);
    c.total++;
    if (kind === 'no-match') c.noMatch++;
    else c[kind]++;
  }

  cacheHit(verdict: AuthorizationVerdict): void {
    if (verdict.by !== null) this.of(verdict.by.authorizerId).cacheHits++;
  }

  latency(authorizerId: string, ms: number): void {
    const c = this.of(authorizerId);
    c.latencyMsSum += ms;
    if (ms > c.latencyMsMax) c.latencyMsMax = ms;
  }

  /** The counters gathered since the last call, which starts a new period. */
  drain(): Map<string, AuthorizerCounters> {
    const drained = this.counters;
    this.counters = new Map();
    this.lastId = undefined;
    this.lastCounters = undefined;
    return drained;
  }
}

/**
 * Adds this node's per-authorizer counters to `authorizer_metrics` (as ChainMetricsReporter does
 * for authenticators); counters of an authorizer deleted meanwhile are dropped.
 */
export async function reportAuthorizerMetrics(dataSource: DataSource, metrics: AuthorizerMetrics, nodeId: string, logger: Logger): Promise<void> {
  const drained = metrics.drain();
  if (drained.size === 0) return;
  const ids = [...drained.keys()];
  const column = (key: keyof AuthorizerCounters) => [...drained.values()].map((c) => c[key]);
  try {
    await dataSource.query(
      `INSERT INTO authorizer_metrics AS m (authorizer_id, node_id, total, allow, deny, no_match, error, cache_hits, latency_ms_sum, latency_ms_max, updated_at)
       SELECT d.id, $1, d.total, d.allow, d.deny, d.no_match, d.error, d.cache_hits, d.latency_ms_sum, d.latency_ms_max, now()
         FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::float8[], $10::float8[])
              AS d(id, total, allow, deny, no_match, error, cache_hits, latency_ms_sum, latency_ms_max)
         JOIN authorizers a ON a.id = d.id
       ON CONFLICT (authorizer_id, node_id) DO UPDATE SET
         total = m.total + EXCLUDED.total, allow = m.allow + EXCLUDED.allow, deny = m.deny + EXCLUDED.deny,
         no_match = m.no_match + EXCLUDED.no_match, error = m.error + EXCLUDED.error,
         cache_hits = m.cache_hits + EXCLUDED.cache_hits, latency_ms_sum = m.latency_ms_sum + EXCLUDED.latency_ms_sum,
         latency_ms_max = GREATEST(m.latency_ms_max, EXCLUDED.latency_ms_max), updated_at = now()`,
      [nodeId, ids, column('total'), column('allow'), column('deny'), column('noMatch'), column('error'), column('cacheHits'), column('latencyMsSum'), column('latencyMsMax')],
    );
  } catch (error) {
    logger.warn({ err: error, authorizers: ids.length }, 'could not report authorizer metrics');
  }
}
