import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * The columns a link of a provider chain has (`authenticators`, `authorizers`), but its `type`.
 * Secret fields of `config` live sealed in `secretsSealed`.
 */
export abstract class ChainLinkColumns {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('jsonb') config!: Record<string, unknown>;
  @Column('text', { name: 'secrets_sealed', nullable: true }) secretsSealed!: string | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  @Column('int') position!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
