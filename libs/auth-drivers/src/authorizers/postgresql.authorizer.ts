import type { Pool } from 'pg';
import { type AsyncAuthorizationSource, boundValues, type CompiledSql, compileSqlTemplate, type ConnectCredentials, type DatabaseAcl, describeUrl, ExternalDatabaseError, parseAclRows, type PostgresqlAuthorizerConfig, withDeadline } from '@mqc/auth';
import { postgresqlPool } from '../authenticators/postgresql.authenticator';
import { cachedRowsSource, type DatabaseAuthorizer, type DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * EMQX's PostgreSQL authorization: the tenant's SELECT, its placeholders bound as `$1…`,
 * returns the client's rows `permission, action, topic, qos?, retain?`, evaluated in order.
 * A client without a value the query binds has no rows (no-match). The pool is the
 * authenticator's: guarded sockets, `timeoutMs` on connecting and on the statement.
 */
export class PostgresqlAuthorizer implements DatabaseAuthorizer {
  readonly type = 'postgresql';
  private readonly pool: Pool;
  private readonly query: CompiledSql;
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: PostgresqlAuthorizerConfig,
    private readonly options: DatabaseAuthorizerOptions = {},
  ) {
    this.query = compileSqlTemplate(config.query, 'postgresql');
    this.where = describeUrl(config.url);
    this.pool = postgresqlPool(config, options, `mqc authorizer ${id}`);
  }

  sourceFor(credentials: ConnectCredentials): AsyncAuthorizationSource {
    return cachedRowsSource(this, credentials, (c) => this.read(c), this.config.cacheTtlSeconds * 1000, this.options.now ?? Date.now);
  }

  private async read(credentials: ConnectCredentials): Promise<DatabaseAcl> {
    const values = boundValues(this.query, credentials);
    if (values === undefined) return { kind: 'rules', rules: [] };
    try {
      const work = this.pool.query<Record<string, unknown>>({ text: this.query.text, values });
      const result = await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
      return parseAclRows(result.rows);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`PostgreSQL ${this.where}: ${why}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
