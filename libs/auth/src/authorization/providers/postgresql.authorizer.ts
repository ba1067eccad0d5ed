import type { z } from 'zod';
import { sqlQueryField } from '../../external/sql-template';
import { defineProvider } from '../../providers/provider';
import { postgresqlUrl } from '../../providers/postgresql.provider';
import { DATABASE_AUTHORIZER_PLACEHOLDERS, databaseAuthorizerConfig } from './database-authorizer-fields';

/**
 * EMQX's PostgreSQL authorization: a SELECT (placeholders bound as parameters) returning the
 * client's rows `permission` (allow|deny), `action` (publish|subscribe|all), `topic` and
 * optionally `qos` ("0,1" or a number) and `retain`; first matching row wins, none falls
 * through. The rows are read once per client per `cacheTtlSeconds`. Platinum.
 */
export const postgresqlAuthorizerConfigSchema = databaseAuthorizerConfig('postgresql', {
  url: postgresqlUrl,
  query: sqlQueryField('postgresql', DATABASE_AUTHORIZER_PLACEHOLDERS),
});

export type PostgresqlAuthorizerConfig = z.output<typeof postgresqlAuthorizerConfigSchema>;

export const postgresqlAuthorizer = defineProvider({
  type: 'postgresql',
  method: 'external-database',
  perChain: 'many',
  config: postgresqlAuthorizerConfigSchema,
});
