import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AuthenticatorType } from '@mqc/auth';

/** One link of an instance's chain. Secret fields of `config` live sealed in `secretsSealed`. */
@Entity('authenticators')
export class AuthenticatorEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('text') type!: AuthenticatorType;
  @Column('jsonb') config!: Record<string, unknown>;
  @Column('text', { name: 'secrets_sealed', nullable: true }) secretsSealed!: string | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  @Column('int') position!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
