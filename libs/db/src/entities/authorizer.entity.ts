import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One link of an instance's authorization chain. Secret fields of `config` live sealed in `secretsSealed`. */
@Entity('authorizers')
export class AuthorizerEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  /** An authorizer type (`AUTHORIZER_TYPES` of `@mqc/auth`). */
  @Column('text') type!: string;
  @Column('jsonb') config!: Record<string, unknown>;
  @Column('text', { name: 'secrets_sealed', nullable: true }) secretsSealed!: string | null;
  @Column('boolean', { default: true }) enabled!: boolean;
  @Column('int') position!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
