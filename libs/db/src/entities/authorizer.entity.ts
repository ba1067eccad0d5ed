import { Column, Entity } from 'typeorm';
import { ChainLinkColumns } from './chain-link.columns';

/** One link of an instance's authorization chain. Secret fields of `config` live sealed in `secretsSealed`. */
@Entity('authorizers')
export class AuthorizerEntity extends ChainLinkColumns {
  /** An authorizer type (`AUTHORIZER_TYPES` of `@mqc/auth`). */
  @Column('text') type!: string;
}
