import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export interface NodeInstanceReport {
  clients: number;
}

/** A broker process. It registers itself, heartbeats, and reports what it serves. */
@Entity('broker_nodes')
export class BrokerNodeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text', { unique: true }) name!: string;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'last_seen_at' }) lastSeenAt!: Date;
  /** Instance id → what the node reports about it. */
  @Column('jsonb', { default: {} }) instances!: Record<string, NodeInstanceReport>;
  @Column('boolean', { default: false }) draining!: boolean;
}
