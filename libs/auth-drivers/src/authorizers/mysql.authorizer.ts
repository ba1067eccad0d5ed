import { type AsyncAuthorizationSource, type ConnectCredentials, type DatabaseAcl, type MysqlAuthorizerConfig, parseAclRows } from '@mqc/auth';
import { MysqlQuery } from '../external/mysql-query';
import { cachedRowsSource, type DatabaseAuthorizer, type DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * EMQX's MySQL authorization: as the PostgreSQL one, the placeholders bound as `?` parameters
 * of a server-side prepared statement (`execute`).
 */
export class MysqlAuthorizer implements DatabaseAuthorizer {
  readonly type = 'mysql';
  private readonly query: MysqlQuery;

  constructor(
    readonly id: string,
    private readonly config: MysqlAuthorizerConfig,
    private readonly options: DatabaseAuthorizerOptions = {},
  ) {
    this.query = new MysqlQuery(config, options);
  }

  sourceFor(credentials: ConnectCredentials): AsyncAuthorizationSource {
    return cachedRowsSource(this, credentials, (c) => this.read(c), this.config.cacheTtlSeconds * 1000, this.options.now ?? Date.now);
  }

  private async read(credentials: ConnectCredentials): Promise<DatabaseAcl> {
    const rows = await this.query.rows(credentials);
    return rows === undefined ? { kind: 'rules', rules: [] } : parseAclRows(rows);
  }

  async close(): Promise<void> {
    await this.query.close();
  }
}
