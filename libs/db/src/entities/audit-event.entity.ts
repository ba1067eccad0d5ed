import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Every change a tenant makes, readable by that tenant. */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' }) id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  /** `api-key:<id>` or `operator`. */
  @Column('text') actor!: string;
  @Column('text') action!: string;
  @Column('text', { name: 'resource_type' }) resourceType!: string;
  @Column('text', { name: 'resource_id' }) resourceId!: string;
  @Column('jsonb', { default: {} }) details!: Record<string, unknown>;
  @CreateDateColumn({ name: 'at', type: 'timestamptz' }) at!: Date;
}
