import { EDITIONS, EDITION_NAMES, type AuthMethod, type EditionName, type EditionQuotas } from './catalog';

export function editionAllows(edition: EditionName, method: AuthMethod): boolean {
  return EDITIONS[edition].methods.includes(method);
}

/** The lowest edition that includes a method: what a refusal tells the tenant to buy. */
export function lowestEditionWith(method: AuthMethod): EditionName {
  const found = EDITION_NAMES.find((name) => editionAllows(name, method));
  if (!found) throw new Error(`no edition includes ${method}`);
  return found;
}

/** What an instance uses today, to check a change of edition against. */
export interface EditionUsage<Type extends string = string> {
  enabledTypes: readonly Type[];
  counts: Partial<Record<keyof EditionQuotas, number>>;
  /** Methods enabled outside the chain (e.g. one device one certificate via X.509 settings). */
  methods?: readonly AuthMethod[];
}

export type EditionChangeBlocker<Type extends string = string> =
  | { kind: 'method'; method: AuthMethod; authenticatorType?: Type }
  | { kind: 'quota'; quota: keyof EditionQuotas; used: number; limit: number };

/**
 * Upgrades always pass; a downgrade lists everything the target edition would not allow.
 * `methodOf` names the method each enabled type needs (the providers of @mqc/auth declare it).
 */
export function editionChangeBlockersFor<Type extends string>(
  target: EditionName,
  usage: EditionUsage<Type>,
  methodOf: (type: Type) => AuthMethod,
): EditionChangeBlocker<Type>[] {
  const blockers: EditionChangeBlocker<Type>[] = [];
  for (const type of new Set(usage.enabledTypes)) {
    if (!editionAllows(target, methodOf(type))) blockers.push({ kind: 'method', method: methodOf(type), authenticatorType: type });
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
