import type { DataSource } from 'typeorm';
import type { ChainMetrics } from '@mqc/auth';
import type { Logger } from '@mqc/observability';

/**
 * Adds this node's per-authenticator counters to `authenticator_metrics`, where the console
 * API sums them over nodes. Counters of an authenticator deleted meanwhile are dropped.
 */
export class ChainMetricsReporter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: ChainMetrics,
    private readonly nodeId: () => string,
    private readonly logger: Logger,
  ) {}

  async flush(): Promise<void> {
    const drained = this.metrics.drain();
    if (drained.size === 0) return;
    const ids: string[] = [];
    const columns = { total: [] as number[], allow: [] as number[], deny: [] as number[], ignore: [] as number[], error: [] as number[], sum: [] as number[], max: [] as number[] };
    for (const [id, c] of drained) {
      ids.push(id);
      columns.total.push(c.total);
      columns.allow.push(c.allow);
      columns.deny.push(c.deny);
      columns.ignore.push(c.ignore);
      columns.error.push(c.error);
      columns.sum.push(c.latencyMsSum);
      columns.max.push(c.latencyMsMax);
    }
    try {
      await this.dataSource.query(
        `INSERT INTO authenticator_metrics AS m (authenticator_id, node_id, total, allow, deny, ignore, error, latency_ms_sum, latency_ms_max, updated_at)
         SELECT d.id, $1, d.total, d.allow, d.deny, d.ignore, d.error, d.sum, d.max, now()
           FROM unnest($2::uuid[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::float8[], $9::float8[])
                AS d(id, total, allow, deny, ignore, error, sum, max)
           JOIN authenticators a ON a.id = d.id
         ON CONFLICT (authenticator_id, node_id) DO UPDATE SET
           total = m.total + EXCLUDED.total, allow = m.allow + EXCLUDED.allow, deny = m.deny + EXCLUDED.deny,
           ignore = m.ignore + EXCLUDED.ignore, error = m.error + EXCLUDED.error,
           latency_ms_sum = m.latency_ms_sum + EXCLUDED.latency_ms_sum,
           latency_ms_max = GREATEST(m.latency_ms_max, EXCLUDED.latency_ms_max), updated_at = now()`,
        [this.nodeId(), ids, columns.total, columns.allow, columns.deny, columns.ignore, columns.error, columns.sum, columns.max],
      );
    } catch (error) {
      this.logger.warn({ err: error, authenticators: ids.length }, 'could not report authenticator metrics');
    }
  }
}
