import { Column, Entity, PrimaryColumn } from 'typeorm';

const bigintAsNumber = { to: (value: number) => value, from: (value: string | null) => Number(value ?? 0) };

/** One broker node's counters for one authorizer; nodes add their deltas (UPSERT). */
@Entity('authorizer_metrics')
export class AuthorizerMetricsEntity {
  @PrimaryColumn('uuid', { name: 'authorizer_id' }) authorizerId!: string;
  @PrimaryColumn('uuid', { name: 'node_id' }) nodeId!: string;
  @Column('bigint', { transformer: bigintAsNumber }) total!: number;
  @Column('bigint', { transformer: bigintAsNumber }) allow!: number;
  @Column('bigint', { transformer: bigintAsNumber }) deny!: number;
  @Column('bigint', { name: 'no_match', transformer: bigintAsNumber }) noMatch!: number;
  @Column('bigint', { transformer: bigintAsNumber }) error!: number;
  @Column('bigint', { name: 'cache_hits', transformer: bigintAsNumber }) cacheHits!: number;
  @Column('double precision', { name: 'latency_ms_sum' }) latencyMsSum!: number;
  @Column('double precision', { name: 'latency_ms_max' }) latencyMsMax!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
