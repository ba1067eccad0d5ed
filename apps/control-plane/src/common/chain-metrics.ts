import type { DataSource } from 'typeorm';

/** Counters summed over the broker nodes that reported them: `total`, the table's own counters, latency. */
export type ChainMetricsView<C extends string> = { [K in 'total' | C]: number } & {
  latencyMsAvg: number;
  latencyMsMax: number;
  /** The latest report of any node; null until a broker has reported. */
  reportedAt: Date | null;
};

/** Where a chain's per-node counters live: the table, its id column, and each counter's column. */
export interface ChainMetricsTable<C extends string> {
  table: 'authenticator_metrics' | 'authorizer_metrics';
  idColumn: 'authenticator_id' | 'authorizer_id';
  /** Counter name in the view → its column. */
  counters: Readonly<Record<C, string>>;
}

/** The view of a link no broker has reported on yet. */
export function noChainMetrics<C extends string>(source: ChainMetricsTable<C>): ChainMetricsView<C> {
  const counters = Object.fromEntries(Object.keys(source.counters).map((c) => [c, 0]));
  return Object.freeze({ total: 0, ...counters, latencyMsAvg: 0, latencyMsMax: 0, reportedAt: null }) as ChainMetricsView<C>;
}

/** Each link's counters, summed over the nodes (links no node reported on are absent). */
export async function readChainMetrics<C extends string>(dataSource: DataSource, source: ChainMetricsTable<C>, ids: readonly string[]): Promise<Map<string, ChainMetricsView<C>>> {
  if (ids.length === 0) return new Map();
  const entries = Object.entries<string>(source.counters);
  const sums = entries.map(([, column]) => `sum(${column}) AS ${column}`).join(', ');
  const rows = await dataSource.query<Record<string, string | number | Date>[]>(
    `SELECT ${source.idColumn} AS id, sum(total) AS total, ${sums},
            sum(latency_ms_sum) AS latency_ms_sum, max(latency_ms_max) AS latency_ms_max, max(updated_at) AS reported_at
       FROM ${source.table} WHERE ${source.idColumn} = ANY($1::uuid[]) GROUP BY ${source.idColumn}`,
    [ids],
  );
  return new Map(
    rows.map((r) => {
      const total = Number(r['total']);
      const counters = Object.fromEntries(entries.map(([name, column]) => [name, Number(r[column])]));
      const view = {
        total,
        ...counters,
        latencyMsAvg: total > 0 ? Number(r['latency_ms_sum']) / total : 0,
        latencyMsMax: Number(r['latency_ms_max']),
        reportedAt: r['reported_at'] as Date,
      };
      return [r['id'] as string, view as ChainMetricsView<C>];
    }),
  );
}
