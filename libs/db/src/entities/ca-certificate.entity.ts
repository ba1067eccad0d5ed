import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { CaCertificateStatus } from '@mqc/domain';

/** A tenant's own CA registered with an instance (one device one certificate, SPEC 4.2). */
@Entity('ca_certificates')
export class CaCertificateEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('text', { name: 'certificate_pem' }) certificatePem!: string;
  @Column('text') subject!: string;
  @Column('text', { name: 'common_name', nullable: true }) commonName!: string | null;
  @Column('text', { name: 'serial_number' }) serialNumber!: string;
  @Column('text') fingerprint256!: string;
  @Column('timestamptz', { name: 'not_before' }) notBefore!: Date;
  @Column('timestamptz', { name: 'not_after' }) notAfter!: Date;
  @Column('text') status!: CaCertificateStatus;
  @Column('boolean', { name: 'auto_registration' }) autoRegistration!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
