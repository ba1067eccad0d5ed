import { EDITIONS, type EditionName, type EditionQuotas } from './catalog';

/** The quotas the control plane counts rows against (the others are enforced by the broker). */
export type CountedQuota = 'authenticatorsPerChain' | 'registeredCaCertificates' | 'deviceCertificates' | 'builtInUsers' | 'authorizersPerChain' | 'aclRules';

/** What a refusal tells the tenant: the problem's extras of a 409 `quota-exceeded`. */
export interface QuotaExcess {
  quota: CountedQuota;
  limit: number;
  used: number;
  adding: number;
}

const NOUNS: Record<CountedQuota, string> = {
  authenticatorsPerChain: 'authenticators per chain',
  registeredCaCertificates: 'registered CA certificates',
  deviceCertificates: 'device certificates',
  builtInUsers: 'built-in users',
  authorizersPerChain: 'authorizers per chain',
  aclRules: 'ACL rules',
};

/** The excess when an instance of `edition` holding `used` would hold `used + adding`; undefined when it fits. */
export function quotaExceeded(edition: EditionName, quota: CountedQuota, used: number, adding = 1): QuotaExcess | undefined {
  const limit = EDITIONS[edition].quotas[quota satisfies keyof EditionQuotas];
  return used + adding > limit ? { quota, limit, used, adding } : undefined;
}

export function describeQuotaExcess(edition: EditionName, excess: QuotaExcess): string {
  return `the ${edition} edition allows ${excess.limit} ${NOUNS[excess.quota]}; ${excess.used} exist and this adds ${excess.adding}`;
}
