import { type Authenticator, type AuthenticatorType, type AuthResult, type ConnectCredentials, judgePasswordRow, type PasswordHashParams, type PasswordRow } from '@mqc/auth';
import type { TenantQuery } from '../external/tenant-query';

/**
 * A password database reached by SQL (postgresql, mysql): the first row of the tenant's SELECT
 * is judged with the configured hash algorithm. No row, or a client without a value the query
 * needs, is `ignore`; errors are backend failures for the chain's policy.
 */
export abstract class SqlPasswordAuthenticator implements Authenticator {
  abstract readonly type: Extract<AuthenticatorType, 'postgresql' | 'mysql'>;

  constructor(
    readonly id: string,
    private readonly passwordHash: PasswordHashParams,
    private readonly query: TenantQuery,
  ) {}

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const rows = (await this.query.rows(credentials)) as PasswordRow[] | undefined;
    const row = rows?.[0];
    if (!row) return { kind: 'ignore' };
    return judgePasswordRow(row, credentials, this.passwordHash);
  }

  async close(): Promise<void> {
    await this.query.close();
  }
}
