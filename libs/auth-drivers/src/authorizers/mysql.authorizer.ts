import type { MysqlAuthorizerConfig } from '@mqc/auth';
import { MysqlQuery } from '../external/mysql-query';
import type { DatabaseAuthorizerOptions } from './cached-rows-source';
import { SqlAclAuthorizer } from './sql-acl.authorizer';

/**
 * EMQX's MySQL authorization: as the PostgreSQL one, the placeholders bound as `?` parameters
 * of a server-side prepared statement (`execute`).
 */
export class MysqlAuthorizer extends SqlAclAuthorizer {
  readonly type = 'mysql';

  constructor(id: string, config: MysqlAuthorizerConfig, options: DatabaseAuthorizerOptions = {}) {
    super(id, config.cacheTtlSeconds, options, new MysqlQuery(config, options));
  }
}
