import { type Authenticator, type AuthResult, type ConnectCredentials, judgePasswordRow, type MysqlConfig, type PasswordRow } from '@mqc/auth';
import type { ExternalDatabaseOptions } from '../external/guarded-socket';
import { MysqlQuery } from '../external/mysql-query';

/**
 * External password database on MySQL or MariaDB (SPEC 4.6): as the PostgreSQL one, with the
 * placeholders bound as `?` parameters of a server-side prepared statement (`execute`).
 */
export class MysqlAuthenticator implements Authenticator {
  readonly type = 'mysql';
  private readonly query: MysqlQuery;

  constructor(
    readonly id: string,
    private readonly config: MysqlConfig,
    options: ExternalDatabaseOptions = {},
  ) {
    this.query = new MysqlQuery(config, options);
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const rows = (await this.query.rows(credentials)) as PasswordRow[] | undefined;
    if (rows === undefined) return { kind: 'ignore' };
    const row = rows[0];
    if (!row) return { kind: 'ignore' };
    return judgePasswordRow(row, credentials, this.config.passwordHash);
  }

  async close(): Promise<void> {
    await this.query.close();
  }
}
