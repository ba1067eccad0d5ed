import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { AnonymousPolicy, BackendFailurePolicy, DenyAction, InstanceStatus, NoMatchPolicy } from '@mqc/domain';
import type { EditionName } from '@mqc/editions';

@Entity('instances')
export class InstanceEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') name!: string;
  @Column('text') edition!: EditionName;
  @Column('text') status!: InstanceStatus;
  @Column('text', { name: 'status_reason', nullable: true }) statusReason!: string | null;
  /** Set by the broker node that could not open the listeners (status FAILED, retried until they open). */
  @Column('boolean', { name: 'listeners_failed', default: false }) listenersFailed!: boolean;
  @Column('uuid', { name: 'node_id', nullable: true }) nodeId!: string | null;
  @Column('int', { name: 'mqtt_port', nullable: true }) mqttPort!: number | null;
  @Column('int', { name: 'mqtts_port', nullable: true }) mqttsPort!: number | null;
  @Column('int', { name: 'ws_port', nullable: true }) wsPort!: number | null;
  /** Set by the broker node when the listeners are open; provisioning waits for it. */
  @Column('timestamptz', { name: 'serving_at', nullable: true }) servingAt!: Date | null;
  @Column('text', { name: 'anonymous_policy', default: 'deny' }) anonymousPolicy!: AnonymousPolicy;
  @Column('text', { name: 'backend_failure_policy', default: 'deny' }) backendFailurePolicy!: BackendFailurePolicy;
  /** What no authorizer decided: allowed or denied (issue 13; instances older than authorization: allow). */
  @Column('text', { name: 'authorization_no_match', default: 'deny' }) authorizationNoMatch!: NoMatchPolicy;
  /** A denied PUBLISH or SUBSCRIBE is answered (ignore) or ends the connection (disconnect, 0x87). */
  @Column('text', { name: 'authorization_deny_action', default: 'ignore' }) authorizationDenyAction!: DenyAction;
  @Column('text', { name: 'ca_cert_pem', nullable: true }) caCertPem!: string | null;
  /** The CA's private key, encrypted with the master key (SecretBox). */
  @Column('text', { name: 'ca_key_sealed', nullable: true, select: false }) caKeySealed!: string | null;
  @Column('text', { name: 'server_cert_pem', nullable: true }) serverCertPem!: string | null;
  @Column('text', { name: 'server_key_sealed', nullable: true, select: false }) serverKeySealed!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @VersionColumn() version!: number;
}
