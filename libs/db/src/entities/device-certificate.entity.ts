import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { DeviceCertificateOrigin, DeviceCertificateStatus } from '@mqc/domain';

/**
 * One device certificate of an instance's registry (SPEC 4.2), bound to the client id of its
 * CN. Issued by a registered CA (`caCertificateId`) or by the instance's own CA (null).
 */
@Entity('device_certificates')
export class DeviceCertificateEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('uuid', { name: 'ca_certificate_id', nullable: true }) caCertificateId!: string | null;
  @Column('text', { name: 'client_id' }) clientId!: string;
  /** Upper-case hex, as Node's X509Certificate.serialNumber. */
  @Column('text', { name: 'serial_number' }) serialNumber!: string;
  @Column('text') fingerprint256!: string;
  @Column('text', { name: 'certificate_pem' }) certificatePem!: string;
  @Column('text') subject!: string;
  @Column('timestamptz', { name: 'not_before' }) notBefore!: Date;
  @Column('timestamptz', { name: 'not_after' }) notAfter!: Date;
  @Column('text') status!: DeviceCertificateStatus;
  @Column('text') origin!: DeviceCertificateOrigin;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  /** The issuing job and the certificate's position in its request (issued certificates only). */
  @Column('text', { name: 'job_id', nullable: true }) jobId!: string | null;
  @Column('int', { name: 'job_item', nullable: true }) jobItem!: number | null;
  /** A key the worker generated, sealed (SECRET_CONTEXT.deviceCertificateKey), for the job's result bundle. */
  @Column('text', { name: 'private_key_sealed', nullable: true, select: false }) privateKeySealed!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
