import type { z } from 'zod';
import { configObject, selectQuery, serviceUrl } from './common';
import { passwordDatabaseFields } from './password-database';

/**
 * SPEC 4.6: a SELECT returning `password_hash`, `salt` (optional) and `is_superuser`
 * (optional) for the client; placeholders are bound parameters.
 */
export const postgresqlConfigSchema = configObject('postgresql', {
  url: serviceUrl('url', ['postgres', 'postgresql']),
  query: selectQuery('query'),
  ...passwordDatabaseFields,
});

export type PostgresqlConfig = z.output<typeof postgresqlConfigSchema>;
