import { type AsyncAuthorizationSource, type ConnectCredentials, type DatabaseAcl, type PostgresqlAuthorizerConfig, parseAclRows } from '@mqc/auth';
import { PostgresqlQuery } from '../external/postgresql-query';
import { cachedRowsSource, type DatabaseAuthorizer, type DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * EMQX's PostgreSQL authorization: the tenant's SELECT, its placeholders bound as `$1…`,
 * returns the client's rows `permission, action, topic, qos?, retain?`, evaluated in order.
 * A client without a value the query binds has no rows (no-match). The pool is the
 * authenticator's: guarded sockets, `timeoutMs` on connecting and on the statement.
 */
export class PostgresqlAuthorizer implements DatabaseAuthorizer {
  readonly type = 'postgresql';
  private readonly query: PostgresqlQuery;

  constructor(
    readonly id: string,
    private readonly config: PostgresqlAuthorizerConfig,
    private readonly options: DatabaseAuthorizerOptions = {},
  ) {
    this.query = new PostgresqlQuery(config, options, `mqc authorizer ${id}`);
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
