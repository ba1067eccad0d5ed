import type { z } from 'zod';
import { databaseUrlProblem } from '../external/database-url';
import { sqlQueryField } from '../external/sql-template';
import { configObject, serviceUrl } from '../config/common';
import { guardedServiceUrl } from '../config/field-markers';
import { passwordDatabaseFields } from '../config/password-database';
import { defineProvider } from './provider';

/** The server's URL (the outbound guard checks it); the mysql authorizer reads the same. */
export const mysqlUrl = guardedServiceUrl(
  serviceUrl('url', ['mysql']).superRefine((url, ctx) => {
    const problem = databaseUrlProblem(url, 'mysql');
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** SPEC 4.6: as PostgreSQL, against MySQL; placeholders are bound parameters. */
export const mysqlConfigSchema = configObject('mysql', {
  url: mysqlUrl,
  query: sqlQueryField('mysql'),
  ...passwordDatabaseFields,
});

export type MysqlConfig = z.output<typeof mysqlConfigSchema>;

export const mysqlProvider = defineProvider({
  type: 'mysql',
  method: 'external-database',
  perChain: 'many',
  config: mysqlConfigSchema,
});
