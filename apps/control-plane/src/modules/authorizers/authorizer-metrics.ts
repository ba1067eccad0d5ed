import type { ChainMetricsTable, ChainMetricsView } from '../../common/chain-metrics';

export type AuthorizerCounter = 'allow' | 'deny' | 'noMatch' | 'error' | 'cacheHits';

/** Where the broker nodes report each authorizer's counters (issue 13: metrics per authorizer). */
export const AUTHORIZER_METRICS: ChainMetricsTable<AuthorizerCounter> = {
  table: 'authorizer_metrics',
  idColumn: 'authorizer_id',
  counters: { allow: 'allow', deny: 'deny', noMatch: 'no_match', error: 'error', cacheHits: 'cache_hits' },
};

/** Counters summed over the broker nodes that reported them. */
export type AuthorizerMetricsView = ChainMetricsView<AuthorizerCounter>;
