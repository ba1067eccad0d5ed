import type { MysqlConfig } from '@mqc/auth';
import type { ExternalDatabaseOptions } from '../external/guarded-socket';
import { MysqlQuery } from '../external/mysql-query';
import { SqlPasswordAuthenticator } from './sql-password.authenticator';

/**
 * External password database on MySQL or MariaDB (SPEC 4.6): as the PostgreSQL one, with the
 * placeholders bound as `?` parameters of a server-side prepared statement (`execute`).
 */
export class MysqlAuthenticator extends SqlPasswordAuthenticator {
  readonly type = 'mysql';

  constructor(id: string, config: MysqlConfig, options: ExternalDatabaseOptions = {}) {
    super(id, config.passwordHash, new MysqlQuery(config, options));
  }
}
