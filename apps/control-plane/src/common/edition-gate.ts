import { METHOD_OF_TYPE, authorizerProviderOf, editionAllowsAuthorizer, editionAllowsType, type AuthenticatorType, type AuthorizerType } from '@mqc/auth';
import { describeQuotaExcess, lowestEditionWith, quotaExceeded, type CountedQuota, type EditionName } from '@mqc/editions';
import { DomainError } from './domain-errors';

/** The method gate (SPEC 2): 403 `method-not-in-edition` naming the lowest edition that includes the method. */
export function assertEditionAllows(edition: EditionName, type: AuthenticatorType): void {
  if (editionAllowsType(edition, type)) return;
  const needed = lowestEditionWith(METHOD_OF_TYPE[type]);
  throw new DomainError('forbidden', 'method-not-in-edition', `${type} needs the ${needed} edition or higher; this instance is ${edition}`, {
    edition,
    requiredEdition: needed,
    method: METHOD_OF_TYPE[type],
  });
}

/** The same gate for an authorizer type (issue 13): its provider names the method that carries it. */
export function assertEditionAllowsAuthorizer(edition: EditionName, type: AuthorizerType): void {
  if (editionAllowsAuthorizer(edition, type)) return;
  const method = authorizerProviderOf(type).method;
  const needed = lowestEditionWith(method);
  throw new DomainError('forbidden', 'method-not-in-edition', `the ${type} authorizer needs the ${needed} edition or higher; this instance is ${edition}`, {
    edition,
    requiredEdition: needed,
    method,
  });
}

/** The quota gate (SPEC 2): 409 `quota-exceeded` naming the quota, its limit, the rows used and the rows added. */
export function assertWithinQuota(edition: EditionName, quota: CountedQuota, used: number, adding = 1): void {
  const excess = quotaExceeded(edition, quota, used, adding);
  if (excess) throw new DomainError('conflict', 'quota-exceeded', describeQuotaExcess(edition, excess), { ...excess });
}
