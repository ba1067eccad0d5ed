import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A code handed out for a CA registration's proof of possession: single use, short-lived. */
@Entity('ca_registration_codes')
export class CaRegistrationCodeEntity {
  @PrimaryColumn('text') code!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
