import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per allocated listener port: the primary key makes double allocation impossible. */
@Entity('instance_ports')
export class InstancePortEntity {
  @PrimaryColumn('int') port!: number;
  @Column('uuid', { name: 'instance_id' }) instanceId!: string;
}
