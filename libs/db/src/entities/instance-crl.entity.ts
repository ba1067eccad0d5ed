import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The current CRL of an instance's own CA, remade on each revocation and before it goes stale. */
@Entity('instance_crls')
export class InstanceCrlEntity {
  @PrimaryColumn('uuid', { name: 'instance_id' }) instanceId!: string;
  @Column('bigint', { name: 'crl_number' }) crlNumber!: string;
  @Column('text', { name: 'crl_pem' }) crlPem!: string;
  @Column('timestamptz', { name: 'this_update' }) thisUpdate!: Date;
  @Column('timestamptz', { name: 'next_update' }) nextUpdate!: Date;
}
