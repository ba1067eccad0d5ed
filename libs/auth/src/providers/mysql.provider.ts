import type { z } from 'zod';
import { sqlQueryField } from '../external/sql-template';
import { databaseUrlField } from '../config/database-url-field';
import { passwordDatabaseConfig } from '../config/password-database';
import { defineProvider } from './provider';

/** The server's URL (the outbound guard checks it); the mysql authorizer reads the same. */
export const mysqlUrl = databaseUrlField('mysql', ['mysql']);

/** SPEC 4.6: as PostgreSQL, against MySQL; placeholders are bound parameters. */
export const mysqlConfigSchema = passwordDatabaseConfig('mysql', {
  url: mysqlUrl,
  query: sqlQueryField('mysql'),
});

export type MysqlConfig = z.output<typeof mysqlConfigSchema>;

export const mysqlProvider = defineProvider({
  type: 'mysql',
  method: 'external-database',
  perChain: 'many',
  config: mysqlConfigSchema,
});
