import type { Pool, RowDataPacket } from 'mysql2/promise';
import { type AsyncAuthorizationSource, boundValues, type CompiledSql, compileSqlTemplate, type ConnectCredentials, type DatabaseAcl, describeUrl, ExternalDatabaseError, type MysqlAuthorizerConfig, parseAclRows, withDeadline } from '@mqc/auth';
import { mysqlPool } from '../authenticators/mysql.authenticator';
import { cachedRowsSource, type DatabaseAuthorizer, type DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * EMQX's MySQL authorization: as the PostgreSQL one, the placeholders bound as `?` parameters
 * of a server-side prepared statement (`execute`).
 */
export class MysqlAuthorizer implements DatabaseAuthorizer {
  readonly type = 'mysql';
  private readonly pool: Pool;
  private readonly query: CompiledSql;
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: MysqlAuthorizerConfig,
    private readonly options: DatabaseAuthorizerOptions = {},
  ) {
    this.query = compileSqlTemplate(config.query, 'mysql');
    this.where = describeUrl(config.url);
    this.pool = mysqlPool(config, options);
  }

  sourceFor(credentials: ConnectCredentials): AsyncAuthorizationSource {
    return cachedRowsSource(this, credentials, (c) => this.read(c), this.config.cacheTtlSeconds * 1000, this.options.now ?? Date.now);
  }

  private async read(credentials: ConnectCredentials): Promise<DatabaseAcl> {
    const values = boundValues(this.query, credentials);
    if (values === undefined) return { kind: 'rules', rules: [] };
    try {
      const work = this.pool.execute<RowDataPacket[]>({ sql: this.query.text, timeout: this.config.timeoutMs }, values);
      const [rows] = await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
      return parseAclRows(rows);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`MySQL ${this.where}: ${why}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
