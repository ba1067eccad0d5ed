import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { type Authenticator, type AuthResult, boundValues, type CompiledSql, compileSqlTemplate, type ConnectCredentials, databaseTarget, describeUrl, ExternalDatabaseError, judgePasswordRow, type MysqlConfig, type PasswordRow, withDeadline } from '@mqc/auth';
import { connectGuarded, outboundGuard, type DatabaseConnectionConfig, type ExternalDatabaseOptions } from '../external/guarded-socket';

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
 * External password database on MySQL or MariaDB (SPEC 4.6): as the PostgreSQL one, with the
 * placeholders bound as `?` parameters of a server-side prepared statement (`execute`).
 */
export class MysqlAuthenticator implements Authenticator {
  readonly type = 'mysql';
  private readonly pool: Pool;
  private readonly query: CompiledSql;
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: MysqlConfig,
    options: ExternalDatabaseOptions = {},
  ) {
    this.query = compileSqlTemplate(config.query, 'mysql');
    this.where = describeUrl(config.url);
    this.pool = mysqlPool(config, options);
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const values = boundValues(this.query, credentials);
    if (values === undefined) return { kind: 'ignore' };
    let rows: PasswordRow[];
    try {
      const work = this.pool.execute<RowDataPacket[]>({ sql: this.query.text, timeout: this.config.timeoutMs }, values);
      const [result] = await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
      rows = result as PasswordRow[];
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`MySQL ${this.where}: ${why}`, { cause: error });
    }
    const row = rows[0];
    if (!row) return { kind: 'ignore' };
    return judgePasswordRow(row, credentials, this.config.passwordHash);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
