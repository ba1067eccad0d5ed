import { Pool } from 'pg';
import { type Authenticator, type AuthResult, boundValues, type CompiledSql, compileSqlTemplate, type ConnectCredentials, databaseTarget, describeUrl, ExternalDatabaseError, judgePasswordRow, type PasswordRow, type PostgresqlConfig, withDeadline } from '@mqc/auth';
import { guardedSocketFactory, outboundGuard, type DatabaseConnectionConfig, type ExternalDatabaseOptions } from '../external/guarded-socket';

/**
 * A pool whose connections go through the private-address guard; `timeoutMs` bounds connecting,
 * the statement (server side too) and the wait for a pooled connection. `applicationName`
 * shows the tenant's DBA who is connected.
 */
export function postgresqlPool(config: DatabaseConnectionConfig, options: ExternalDatabaseOptions, applicationName: string): Pool {
  const target = databaseTarget(config.url, 'postgresql', config.password);
  const pool = new Pool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: target.tls ?? false,
    stream: guardedSocketFactory(outboundGuard(options.outboundAllowList, config.timeoutMs, options.resolve)),
    max: config.poolSize,
    connectionTimeoutMillis: config.timeoutMs,
    query_timeout: config.timeoutMs,
    statement_timeout: config.timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: applicationName.slice(0, 63),
    allowExitOnIdle: true,
  });
  // An idle connection that breaks is dropped by the pool; the next query opens another.
  pool.on('error', () => undefined);
  return pool;
}

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
  private readonly pool: Pool;
  private readonly query: CompiledSql;
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: PostgresqlConfig,
    options: ExternalDatabaseOptions = {},
  ) {
    this.query = compileSqlTemplate(config.query, 'postgresql');
    this.where = describeUrl(config.url);
    this.pool = postgresqlPool(config, options, `mqc authenticator ${id}`);
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const values = boundValues(this.query, credentials);
    if (values === undefined) return { kind: 'ignore' };
    let rows: PasswordRow[];
    try {
      const work = this.pool.query<PasswordRow>({ text: this.query.text, values });
      rows = (await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`))).rows;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`PostgreSQL ${this.where}: ${why}`, { cause: error });
    }
    const row = rows[0];
    if (!row) return { kind: 'ignore' };
    return judgePasswordRow(row, credentials, this.config.passwordHash);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
