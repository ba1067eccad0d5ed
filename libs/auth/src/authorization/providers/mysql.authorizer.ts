import type { z } from 'zod';
import { sqlQueryField } from '../../external/sql-template';
import { defineProvider } from '../../providers/provider';
import { mysqlUrl } from '../../providers/mysql.provider';
import { DATABASE_AUTHORIZER_PLACEHOLDERS, databaseAuthorizerConfig } from './database-authorizer-fields';

/**
 * EMQX's MySQL authorization: a SELECT (placeholders bound as parameters) returning the
 * client's rows `permission` (allow|deny), `action` (publish|subscribe|all), `topic` and
 * optionally `qos` ("0,1" or a number) and `retain`; first matching row wins, none falls
 * through. The rows are read once per client per `cacheTtlSeconds`. Platinum.
 */
export const mysqlAuthorizerConfigSchema = databaseAuthorizerConfig('mysql', {
  url: mysqlUrl,
  query: sqlQueryField('mysql', DATABASE_AUTHORIZER_PLACEHOLDERS),
});

export type MysqlAuthorizerConfig = z.output<typeof mysqlAuthorizerConfigSchema>;

export const mysqlAuthorizer = defineProvider({
  type: 'mysql',
  method: 'external-database',
  perChain: 'many',
  config: mysqlAuthorizerConfigSchema,
});
