import type { DataSource } from 'typeorm';
import { BuiltInDatabaseAuthenticator, builtInDatabaseConfigSchema, type Authenticator } from '@mqc/auth';
import type { AuthenticatorEntity } from '@mqc/db';
import type { SecretBox } from '@mqc/domain';
import type { AuthenticatorType } from '@mqc/editions';
import type { Logger } from '@mqc/observability';
import { PgBuiltInUserStore } from './built-in-user.store';

/** What factories may use to build an authenticator. */
export interface AuthenticatorDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  logger: Logger;
}

type Factory = (row: AuthenticatorEntity, deps: AuthenticatorDeps) => Authenticator;

/** One entry per authenticator type the broker can run. */
export const AUTHENTICATOR_FACTORIES: Partial<Record<AuthenticatorType, Factory>> = {
  'built-in-database': (row, deps) =>
    new BuiltInDatabaseAuthenticator(row.id, builtInDatabaseConfigSchema.parse(row.config), new PgBuiltInUserStore(deps.dataSource), {
      onRehashError: (error, context) => deps.logger.warn({ ...context, err: error }, 're-hash after login failed'),
    }),
};
