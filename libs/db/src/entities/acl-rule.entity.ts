import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A rule of an instance's built-in authorization source; evaluated by `position`, first match wins. */
@Entity('acl_rules')
export class AclRuleEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('int') position!: number;
  @Column('text') permission!: 'allow' | 'deny';
  @Column('text') action!: 'publish' | 'subscribe' | 'all';
  @Column('text') topic!: string;
  @Column('smallint', { array: true, nullable: true }) qos!: (0 | 1 | 2)[] | null;
  @Column('boolean', { nullable: true }) retain!: boolean | null;
  @Column('text', { name: 'client_id', nullable: true }) clientId!: string | null;
  @Column('text', { nullable: true }) username!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
