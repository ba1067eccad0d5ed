import { Pool } from 'pg';
import { databaseTarget } from '@mqc/auth';
import { guardedSocketFactory, outboundGuard, type DatabaseConnectionConfig, type ExternalDatabaseOptions } from './guarded-socket';
import { TenantQuery, type TenantQueryConfig } from './tenant-query';

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
export class PostgresqlQuery extends TenantQuery {
  private readonly pool: Pool;

  constructor(config: TenantQueryConfig, options: ExternalDatabaseOptions, applicationName: string) {
    super(config, 'postgresql', 'PostgreSQL');
    this.pool = postgresqlPool(config, options, applicationName);
  }

  protected async run(text: string, values: string[]): Promise<Record<string, unknown>[]> {
    return (await this.pool.query<Record<string, unknown>>({ text, values })).rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
