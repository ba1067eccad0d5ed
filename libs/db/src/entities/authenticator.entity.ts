import { Column, Entity } from 'typeorm';
import type { AuthenticatorType } from '@mqc/auth';
import { ChainLinkColumns } from './chain-link.columns';

/** One link of an instance's chain. Secret fields of `config` live sealed in `secretsSealed`. */
@Entity('authenticators')
export class AuthenticatorEntity extends ChainLinkColumns {
  @Column('text') type!: AuthenticatorType;
}
