import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A built-in user's SCRAM keys for one algorithm (RFC 5802): derived from the password, never the password. */
@Entity('scram_credentials')
export class ScramCredentialEntity {
  @PrimaryColumn('uuid', { name: 'built_in_user_id' }) builtInUserId!: string;
  @PrimaryColumn('text') algorithm!: 'sha256' | 'sha512';
  @Column('bytea') salt!: Buffer;
  @Column('integer') iterations!: number;
  @Column('bytea', { name: 'stored_key' }) storedKey!: Buffer;
  @Column('bytea', { name: 'server_key' }) serverKey!: Buffer;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
