import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The operator's switch per edition; the catalog itself is data in @mqc/editions. */
@Entity('edition_settings')
export class EditionSettingEntity {
  @PrimaryColumn('text') edition!: string;
  @Column('boolean') available!: boolean;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
