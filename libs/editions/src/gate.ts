import { METHOD_OF_TYPE, type AuthenticatorType } from './authenticator-types';
import { EDITIONS, EDITION_NAMES, type AuthMethod, type EditionName, type EditionQuotas } from './catalog';

export function editionAllows(edition: EditionName, method: AuthMethod): boolean {
  return EDITIONS[edition].methods.includes(method);
}

export function editionAllowsType(edition: EditionName, type: AuthenticatorType): boolean {
  return editionAllows(edition, METHOD_OF_TYPE[type]);
}

/** The lowest edition that includes a method: what a refusal tells the tenant to buy. */
export function lowestEditionWith(method: AuthMethod): EditionName {
  const found = EDITION_NAMES.find((name) => editionAllows(name, method));
  if (!found) throw new Error(`no edition includes ${method}`);
  return found;
}

/** What an instance uses today, to check a change of edition against. */
export interface EditionUsage {
  enabledTypes: readonly AuthenticatorType[];
  counts: Partial<Record<keyof EditionQuotas, number>>;
  /** Methods enabled outside the chain (e.g. one device one certificate via X.509 settings). */
  methods?: readonly AuthMethod[];
}

export type EditionChangeBlocker =
  | { kind: 'method'; method: AuthMethod; authenticatorType?: AuthenticatorType }
  | { kind: 'quota'; quota: keyof EditionQuotas; used: number; limit: number };

/** Upgrades always pass; a downgrade lists everything the target edition would not allow. */
export function editionChangeBlockers(target: EditionName, usage: EditionUsage): EditionChangeBlocker[] {
  const blockers: EditionChangeBlocker[] = [];
  for (const type of new Set(usage.enabledTypes)) {
    if (!editionAllowsType(target, type)) {
      blockers.push({ kind: 'method', method: METHOD_OF_TYPE[type], authenticatorType: type });
    }
  }
  for (const method of new Set(usage.methods ?? [])) {
    if (!editionAllows(target, method)) blockers.push({ kind: 'method', method });
  }
  const quotas = EDITIONS[target].quotas;
  for (const [quota, used] of Object.entries(usage.counts) as [keyof EditionQuotas, number][]) {
    if (used > quotas[quota]) blockers.push({ kind: 'quota', quota, used, limit: quotas[quota] });
  }
  return blockers;
}
