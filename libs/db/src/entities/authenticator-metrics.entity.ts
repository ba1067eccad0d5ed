import { Column, Entity, PrimaryColumn } from 'typeorm';

const bigintAsNumber = { to: (value: number) => value, from: (value: string | null) => Number(value ?? 0) };

/** One broker node's counters for one authenticator; nodes add their deltas (UPSERT). */
@Entity('authenticator_metrics')
export class AuthenticatorMetricsEntity {
  @PrimaryColumn('uuid', { name: 'authenticator_id' }) authenticatorId!: string;
  @PrimaryColumn('uuid', { name: 'node_id' }) nodeId!: string;
  @Column('bigint', { transformer: bigintAsNumber }) total!: number;
  @Column('bigint', { transformer: bigintAsNumber }) allow!: number;
  @Column('bigint', { transformer: bigintAsNumber }) deny!: number;
  @Column('bigint', { transformer: bigintAsNumber }) ignore!: number;
  @Column('bigint', { transformer: bigintAsNumber }) error!: number;
  @Column('double precision', { name: 'latency_ms_sum' }) latencyMsSum!: number;
  @Column('double precision', { name: 'latency_ms_max' }) latencyMsMax!: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
