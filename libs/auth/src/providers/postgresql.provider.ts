import type { z } from 'zod';
import { databaseUrlProblem } from '../external/database-url';
import { sqlQueryField } from '../external/sql-template';
import { configObject, serviceUrl } from '../config/common';
import { guardedServiceUrl } from '../config/field-markers';
import { passwordDatabaseFields } from '../config/password-database';
import { defineProvider } from './provider';

/** The server's URL (the outbound guard checks it); the postgresql authorizer reads the same. */
export const postgresqlUrl = guardedServiceUrl(
  serviceUrl('url', ['postgres', 'postgresql']).superRefine((url, ctx) => {
    const problem = databaseUrlProblem(url, 'postgresql');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/**
 * SPEC 4.6: a SELECT returning `password_hash`, `salt` (optional) and `is_superuser`
 * (optional) for the client; placeholders are bound parameters.
 */
export const postgresqlConfigSchema = configObject('postgresql', {
  url: postgresqlUrl,
  query: sqlQueryField('postgresql'),
  ...passwordDatabaseFields,
});

export type PostgresqlConfig = z.output<typeof postgresqlConfigSchema>;

export const postgresqlProvider = defineProvider({
  type: 'postgresql',
  method: 'external-database',
  perChain: 'many',
  config: postgresqlConfigSchema,
});
