import type { DataSource } from 'typeorm';
import { noChainMetrics, readChainMetrics, type ChainMetricsTable, type ChainMetricsView } from '../../common/chain-metrics';

const AUTHORIZER_METRICS: ChainMetricsTable<'allow' | 'deny' | 'noMatch' | 'error' | 'cacheHits'> = {
  table: 'authorizer_metrics',
  idColumn: 'authorizer_id',
  counters: { allow: 'allow', deny: 'deny', noMatch: 'no_match', error: 'error', cacheHits: 'cache_hits' },
};

/** Counters summed over the broker nodes that reported them (issue 13: metrics per authorizer). */
export type AuthorizerMetricsView = ChainMetricsView<'allow' | 'deny' | 'noMatch' | 'error' | 'cacheHits'>;

export const NO_AUTHORIZER_METRICS: AuthorizerMetricsView = noChainMetrics(AUTHORIZER_METRICS);

/** Each authorizer's counters, from `authorizer_metrics` summed over nodes. */
export function authorizerMetrics(dataSource: DataSource, ids: readonly string[]): Promise<Map<string, AuthorizerMetricsView>> {
  return readChainMetrics(dataSource, AUTHORIZER_METRICS, ids);
}
