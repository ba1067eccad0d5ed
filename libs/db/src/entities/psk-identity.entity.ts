import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A TLS-PSK identity of an instance (SPEC 4.6). The key is sealed with the master key
 * (SECRET_CONTEXT.pskKey of the row's id), so the id is chosen before insert.
 */
@Entity('psk_identities')
export class PskIdentityEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('text') identity!: string;
  @Column('text', { name: 'key_sealed', select: false }) keySealed!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
