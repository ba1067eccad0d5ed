import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { databaseTarget } from '@mqc/auth';
import { connectGuarded, outboundGuard, type DatabaseConnectionConfig, type ExternalDatabaseOptions } from './guarded-socket';
import { TenantQuery, type TenantQueryConfig } from './tenant-query';

/**
 * A pool whose connections open through the private-address guard; `timeoutMs` bounds
 * connecting (each query passes its own timeout).
 */
export function mysqlPool(config: DatabaseConnectionConfig, options: ExternalDatabaseOptions): Pool {
  const target = databaseTarget(config.url, 'mysql', config.password);
  const guard = outboundGuard(options.outboundAllowList, config.timeoutMs, options.resolve);
  const pool = createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: target.tls ? { rejectUnauthorized: target.tls.rejectUnauthorized } : undefined,
    // Every pooled connection opens through the private-address guard.
    stream: () => connectGuarded(target.host, target.port, guard),
    connectionLimit: config.poolSize,
    maxIdle: config.poolSize,
    idleTimeout: 30_000,
    connectTimeout: config.timeoutMs,
    enableKeepAlive: true,
    supportBigNumbers: true,
  });
  // A broken idle connection is dropped; the next query opens another.
  pool.on('connection', (connection) => connection.on('error', () => undefined));
  return pool;
}

/**
 * A tenant's SELECT on MySQL or MariaDB: placeholders bound as `?` parameters of a server-side
 * prepared statement (`execute`), `timeoutMs` on the statement; failures are ExternalDatabaseError.
 */
export class MysqlQuery extends TenantQuery {
  private readonly pool: Pool;

  constructor(config: TenantQueryConfig, options: ExternalDatabaseOptions) {
    super(config, 'mysql', 'MySQL');
    this.pool = mysqlPool(config, options);
  }

  protected async run(sql: string, values: string[]): Promise<Record<string, unknown>[]> {
    const [rows] = await this.pool.execute<RowDataPacket[]>({ sql, timeout: this.config.timeoutMs }, values);
    return rows;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
