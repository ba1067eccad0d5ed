import type { z } from 'zod';
import { configObject, selectQuery, serviceUrl } from './common';
import { passwordDatabaseFields } from './password-database';

/** SPEC 4.6: as PostgreSQL, against MySQL; placeholders are bound parameters. */
export const mysqlConfigSchema = configObject('mysql', {
  url: serviceUrl('url', ['mysql']),
  query: selectQuery('query'),
  ...passwordDatabaseFields,
});

export type MysqlConfig = z.output<typeof mysqlConfigSchema>;
