import { type AsyncAuthorizationSource, type ConnectCredentials, type DatabaseAcl, parseAclRows } from '@mqc/auth';
import type { TenantQuery } from '../external/tenant-query';
import { cachedRowsSource, type DatabaseAuthorizer, type DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * An authorizer reached by SQL (postgresql, mysql): the tenant's SELECT returns the client's rows
 * `permission, action, topic, qos?, retain?`, evaluated in order and kept `cacheTtlSeconds`.
 * A client without a value the query binds has no rows (no-match).
 */
export abstract class SqlAclAuthorizer implements DatabaseAuthorizer {
  abstract readonly type: Extract<DatabaseAuthorizer['type'], 'postgresql' | 'mysql'>;

  constructor(
    readonly id: string,
    private readonly cacheTtlSeconds: number,
    private readonly options: DatabaseAuthorizerOptions,
    private readonly query: TenantQuery,
  ) {}

  sourceFor(credentials: ConnectCredentials): AsyncAuthorizationSource {
    return cachedRowsSource(this, credentials, (c) => this.read(c), this.cacheTtlSeconds * 1000, this.options.now ?? Date.now);
  }

  private async read(credentials: ConnectCredentials): Promise<DatabaseAcl> {
    const rows = await this.query.rows(credentials);
    return rows === undefined ? { kind: 'rules', rules: [] } : parseAclRows(rows);
  }

  async close(): Promise<void> {
    await this.query.close();
  }
}
