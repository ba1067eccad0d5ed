import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A user of an instance's built-in store. Each row keeps its own hash algorithm and parameters. */
@Entity('built_in_users')
export class BuiltInUserEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('text', { name: 'user_id' }) userId!: string;
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  @Column('text', { default: '' }) salt!: string;
  /** The algorithm and parameters the hash was made with (PasswordHashParams). */
  @Column('jsonb') algorithm!: Record<string, unknown>;
  @Column('boolean', { name: 'is_superuser', default: false }) isSuperuser!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
