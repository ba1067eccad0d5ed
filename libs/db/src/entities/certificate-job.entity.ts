import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type CertificateJobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** One certificate to issue: its client id (the CN) and, when the device made its key, the CSR. */
export interface CertificateJobItem {
  clientId: string;
  csr?: string;
}

/**
 * What a device-certificate issuing request asked for. `count` requests name their client ids
 * `${clientIdPrefix}${n}` (n from 1), so the request stays small for thousands of devices.
 */
export type CertificateJobRequest =
  | { kind: 'items'; items: CertificateJobItem[]; validityDays: number; keyAlgorithm: 'rsa-2048' | 'ec-p256' }
  | { kind: 'count'; count: number; clientIdPrefix: string; validityDays: number; keyAlgorithm: 'rsa-2048' | 'ec-p256' };

/**
 * A device-certificate issuing job (SPEC 4.2). The id is the BullMQ job id; the row is the
 * tenant's view of the job and outlives the queue's copy.
 */
@Entity('certificate_jobs')
export class CertificateJobEntity {
  @PrimaryColumn('text') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  /** SHA-256 of the request: the same idempotency key with another request is refused. */
  @Column('text', { name: 'request_digest' }) requestDigest!: string;
  @Column('jsonb', { select: false }) request!: CertificateJobRequest;
  @Column('int') total!: number;
  @Column('int') issued!: number;
  @Column('text') status!: CertificateJobStatus;
  @Column('text', { name: 'failed_reason', nullable: true }) failedReason!: string | null;
  @Column('int') attempts!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}
