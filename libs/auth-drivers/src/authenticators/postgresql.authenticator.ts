import { type Authenticator, type AuthResult, type ConnectCredentials, judgePasswordRow, type PasswordRow, type PostgresqlConfig } from '@mqc/auth';
import type { ExternalDatabaseOptions } from '../external/guarded-socket';
import { PostgresqlQuery } from '../external/postgresql-query';

/**
 * External password database on PostgreSQL (SPEC 4.6): the tenant's SELECT, its placeholders
 * bound as `$1…` parameters, returns `password_hash` (or `password`), `salt` and
 * `is_superuser`; the first row is judged with the configured hash algorithm. No row, or a
 * client without a value the query needs, is `ignore`. The pool's connections go through
 * the private-address guard; `timeoutMs` bounds connecting, the statement (server side too)
 * and the wait for a pooled connection. Errors are backend failures for the chain's policy.
 */
export class PostgresqlAuthenticator implements Authenticator {
  readonly type = 'postgresql';
  private readonly query: PostgresqlQuery;

  constructor(
    readonly id: string,
    private readonly config: PostgresqlConfig,
    options: ExternalDatabaseOptions = {},
  ) {
    this.query = new PostgresqlQuery(config, options, `mqc authenticator ${id}`);
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const rows = (await this.query.rows(credentials)) as PasswordRow[] | undefined;
    if (rows === undefined) return { kind: 'ignore' };
    const row = rows[0];
    if (!row) return { kind: 'ignore' };
    return judgePasswordRow(row, credentials, this.config.passwordHash);
  }

  async close(): Promise<void> {
    await this.query.close();
  }
}
