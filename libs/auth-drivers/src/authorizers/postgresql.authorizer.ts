import type { PostgresqlAuthorizerConfig } from '@mqc/auth';
import { PostgresqlQuery } from '../external/postgresql-query';
import type { DatabaseAuthorizerOptions } from './cached-rows-source';
import { SqlAclAuthorizer } from './sql-acl.authorizer';

/**
 * EMQX's PostgreSQL authorization: the tenant's SELECT, its placeholders bound as `$1…`,
 * returns the client's rows `permission, action, topic, qos?, retain?`, evaluated in order.
 * A client without a value the query binds has no rows (no-match). The pool is the
 * authenticator's: guarded sockets, `timeoutMs` on connecting and on the statement.
 */
export class PostgresqlAuthorizer extends SqlAclAuthorizer {
  readonly type = 'postgresql';

  constructor(id: string, config: PostgresqlAuthorizerConfig, options: DatabaseAuthorizerOptions = {}) {
    super(id, config.cacheTtlSeconds, options, new PostgresqlQuery(config, options, `mqc authorizer ${id}`));
  }
}
