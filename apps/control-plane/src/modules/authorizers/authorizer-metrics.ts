import type { DataSource } from 'typeorm';

/** Counters summed over the broker nodes that reported them (issue 13: metrics per authorizer). */
export interface AuthorizerMetricsView {
  total: number;
  allow: number;
  deny: number;
  noMatch: number;
  error: number;
  cacheHits: number;
  latencyMsAvg: number;
  latencyMsMax: number;
  /** The latest report of any node; null until a broker has reported. */
  reportedAt: Date | null;
}

export const NO_AUTHORIZER_METRICS: AuthorizerMetricsView = Object.freeze({
  total: 0,
  allow: 0,
  deny: 0,
  noMatch: 0,
  error: 0,
  cacheHits: 0,
  latencyMsAvg: 0,
  latencyMsMax: 0,
  reportedAt: null,
});

interface MetricsRow {
  authorizer_id: string;
  total: string;
  allow: string;
  deny: string;
  no_match: string;
  error: string;
  cache_hits: string;
  latency_ms_sum: number;
  latency_ms_max: number;
  reported_at: Date;
}

/** Each authorizer's counters, from `authorizer_metrics` summed over nodes. */
export async function authorizerMetrics(dataSource: DataSource, ids: readonly string[]): Promise<Map<string, AuthorizerMetricsView>> {
  if (ids.length === 0) return new Map();
  const rows = await dataSource.query<MetricsRow[]>(
    `SELECT authorizer_id, sum(total) AS total, sum(allow) AS allow, sum(deny) AS deny, sum(no_match) AS no_match, sum(error) AS error,
            sum(cache_hits) AS cache_hits, sum(latency_ms_sum) AS latency_ms_sum, max(latency_ms_max) AS latency_ms_max, max(updated_at) AS reported_at
       FROM authorizer_metrics WHERE authorizer_id = ANY($1::uuid[]) GROUP BY authorizer_id`,
    [ids],
  );
  return new Map(
    rows.map((r) => {
      const total = Number(r.total);
      return [
        r.authorizer_id,
        {
          total,
          allow: Number(r.allow),
          deny: Number(r.deny),
          noMatch: Number(r.no_match),
          error: Number(r.error),
          cacheHits: Number(r.cache_hits),
          latencyMsAvg: total > 0 ? Number(r.latency_ms_sum) / total : 0,
          latencyMsMax: Number(r.latency_ms_max),
          reportedAt: r.reported_at,
        },
      ];
    }),
  );
}
