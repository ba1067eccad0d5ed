import { Pool } from 'pg';
import { boundValues, type CompiledSql, compileSqlTemplate, type ConnectCredentials, databaseTarget, describeUrl } from '@mqc/auth';
import { guardedSocketFactory, outboundGuard, type DatabaseConnectionConfig, type ExternalDatabaseOptions } from './guarded-socket';
import { askWithin, type TenantQuery, type TenantQueryConfig } from './tenant-query';

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
 * A tenant's SELECT on PostgreSQL: placeholders bound as `$1…` parameters, `timeoutMs` on the
 * statement; failures are ExternalDatabaseError.
 */
export class PostgresqlQuery implements TenantQuery {
  private readonly pool: Pool;
  private readonly query: CompiledSql;
  private readonly where: string;

  constructor(
    private readonly config: TenantQueryConfig,
    options: ExternalDatabaseOptions,
    applicationName: string,
  ) {
    this.query = compileSqlTemplate(config.query, 'postgresql');
    this.where = `PostgreSQL ${describeUrl(config.url)}`;
    this.pool = postgresqlPool(config, options, applicationName);
  }

  async rows(credentials: ConnectCredentials): Promise<Record<string, unknown>[] | undefined> {
    const values = boundValues(this.query, credentials);
    if (values === undefined) return undefined;
    const result = await askWithin(this.where, this.config.timeoutMs, () => this.pool.query<Record<string, unknown>>({ text: this.query.text, values }));
    return result.rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
