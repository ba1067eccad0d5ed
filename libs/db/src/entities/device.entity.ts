import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DeviceStatus = 'ENABLED' | 'DISABLED';

/**
 * One device of an instance's identity registry (SPEC 4.5). Both keys are sealed with the
 * master key (SECRET_CONTEXT.deviceKey of the row's id), so the id is chosen before insert.
 */
@Entity('devices')
export class DeviceEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('text', { name: 'client_id' }) clientId!: string;
  @Column('text') status!: DeviceStatus;
  @Column('text', { name: 'primary_key_sealed', select: false }) primaryKeySealed!: string;
  @Column('text', { name: 'secondary_key_sealed', select: false }) secondaryKeySealed!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
