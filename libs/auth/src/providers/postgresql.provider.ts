import type { z } from 'zod';
import { sqlQueryField } from '../external/sql-template';
import { databaseUrlField } from '../config/database-url-field';
import { passwordDatabaseConfig } from '../config/password-database';
import { defineProvider } from './provider';

/** The server's URL (the outbound guard checks it); the postgresql authorizer reads the same. */
export const postgresqlUrl = databaseUrlField('postgresql', ['postgres', 'postgresql']);

/**
 * SPEC 4.6: a SELECT returning `password_hash`, `salt` (optional) and `is_superuser`
 * (optional) for the client; placeholders are bound parameters.
 */
export const postgresqlConfigSchema = passwordDatabaseConfig('postgresql', {
  url: postgresqlUrl,
  query: sqlQueryField('postgresql'),
});

export type PostgresqlConfig = z.output<typeof postgresqlConfigSchema>;

export const postgresqlProvider = defineProvider({
  type: 'postgresql',
  method: 'external-database',
  perChain: 'many',
  config: postgresqlConfigSchema,
});
