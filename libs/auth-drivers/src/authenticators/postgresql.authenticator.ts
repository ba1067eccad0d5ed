import type { PostgresqlConfig } from '@mqc/auth';
import type { ExternalDatabaseOptions } from '../external/guarded-socket';
import { PostgresqlQuery } from '../external/postgresql-query';
import { SqlPasswordAuthenticator } from './sql-password.authenticator';

/**
 * External password database on PostgreSQL (SPEC 4.6): the tenant's SELECT, its placeholders
 * bound as `$1…` parameters, returns `password_hash` (or `password`), `salt` and
 * `is_superuser`; the first row is judged with the configured hash algorithm. No row, or a
 * client without a value the query needs, is `ignore`. The pool's connections go through
 * the private-address guard; `timeoutMs` bounds connecting, the statement (server side too)
 * and the wait for a pooled connection. Errors are backend failures for the chain's policy.
 */
export class PostgresqlAuthenticator extends SqlPasswordAuthenticator {
  readonly type = 'postgresql';

  constructor(id: string, config: PostgresqlConfig, options: ExternalDatabaseOptions = {}) {
    super(id, config.passwordHash, new PostgresqlQuery(config, options, `mqc authenticator ${id}`));
  }
}
