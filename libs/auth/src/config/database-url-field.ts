import { databaseUrlProblem, type DatabaseDialect } from '../external/database-url';
import { refuseProblem, serviceUrl } from './common';
import { guardedServiceUrl } from './field-markers';

/**
 * A tenant database's `url`: one of `schemes`, read as the broker reads it (databaseUrlProblem
 * refuses every URL option that would steer the driver), checked by the outbound guard, its
 * password sealed. The authenticator and the authorizer of a database share theirs.
 */
export function databaseUrlField(dialect: DatabaseDialect, schemes: readonly string[]) {
  return guardedServiceUrl(serviceUrl('url', schemes).superRefine(refuseProblem((url: string) => databaseUrlProblem(url, dialect))));
}
