import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { X509Mode, X509Provisioning } from '@mqc/domain';

/** SPEC 4.2: an instance's X.509 settings; an instance without a row is in one-way TLS mode. */
@Entity('instance_x509_settings')
export class InstanceX509SettingsEntity {
  @PrimaryColumn('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('text') mode!: X509Mode;
  @Column('text') provisioning!: X509Provisioning;
  @Column('boolean', { name: 'auto_activate' }) autoActivate!: boolean;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
