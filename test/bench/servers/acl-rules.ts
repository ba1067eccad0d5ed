/**
 * The authorization scenario's rules (`--only=authz-qos0`), the same 20 for both brokers: 19
 * that never match the scenario's topic `bench/qos0` (with `${clientid}` / `${username}`
 * placeholders, some sharing its first level so matching goes past it), then the one that
 * allows it. Our broker runs them through its engine as the built-in-database authorizer;
 * aedes runs them in its hooks with `AedesAcl` below.
 */
export interface BenchAclRule {
  id: string;
  permission: 'allow' | 'deny';
  action: 'publish' | 'subscribe' | 'all';
  topic: string;
}

const NON_MATCHING_TOPICS = (i: number): string =>
  [`devices/\${clientid}/r${i}/#`, `bench/\${clientid}/r${i}`, `fleet/+/\${clientid}/r${i}/+`, `users/\${username}/r${i}/#`][i % 4]!;
const ACTIONS = ['publish', 'subscribe', 'all'] as const;

export const BENCH_ACL_RULES: readonly BenchAclRule[] = Object.freeze([
  ...Array.from({ length: 19 }, (_, i): BenchAclRule => ({ id: `rule-${i}`, permission: i % 2 === 0 ? 'allow' : 'deny', action: ACTIONS[i % 3]!, topic: NON_MATCHING_TOPICS(i) })),
  { id: 'rule-19', permission: 'allow', action: 'all', topic: 'bench/+' },
]);

/** What a placeholder level is filled with, per client. */
interface AclClient {
  id: string;
  username?: string;
}

const PLACEHOLDER = /^\$\{(clientid|username)\}$/;

/** A rule topic split once into levels, a placeholder level kept as its name. */
interface SplitRule {
  permission: 'allow' | 'deny';
  action: 'publish' | 'subscribe' | 'all';
  levels: { literal?: string; placeholder?: 'clientid' | 'username' }[];
}

/**
 * The aedes side of the scenario: what a competent aedes user writes in `authorizePublish`,
 * `authorizeSubscribe` and `authorizeForward`. Written for the bench (not our engine): rule
 * topics split once at start; each check splits the topic and walks the rules in order, first
 * match wins, no match denies. A placeholder fills one whole level; a missing value or one
 * holding `/`, `+` or `#` makes the rule not match (the same safety as ours). A SUBSCRIBE filter
 * must be covered by the rule's filter (a `+` or `#` in it only by a wildcard of the rule); a
 * rule starting with a wildcard never covers a `$` topic.
 */
export class AedesAcl {
  private readonly rules: SplitRule[];

  constructor(rules: readonly BenchAclRule[]) {
    this.rules = rules.map((rule) => ({
      permission: rule.permission,
      action: rule.action,
      levels: rule.topic.split('/').map((level) => {
        const placeholder = PLACEHOLDER.exec(level)?.[1] as 'clientid' | 'username' | undefined;
        return placeholder === undefined ? { literal: level } : { placeholder };
      }),
    }));
  }

  allows(client: AclClient, action: 'publish' | 'subscribe', topic: string): boolean {
    const levels = topic.split('/');
    for (const rule of this.rules) {
      if (rule.action !== 'all' && rule.action !== action) continue;
      if (covers(rule, levels, client)) return rule.permission === 'allow';
    }
    return false;
  }
}

function filled(placeholder: 'clientid' | 'username', client: AclClient): string | undefined {
  const value = placeholder === 'clientid' ? client.id : client.username;
  if (!value || value.includes('/') || value.includes('+') || value.includes('#')) return undefined;
  return value;
}

function covers(rule: SplitRule, levels: string[], client: AclClient): boolean {
  const dollar = levels[0]!.startsWith('$');
  for (let i = 0; i < rule.levels.length; i++) {
    const { literal, placeholder } = rule.levels[i]!;
    if (literal === '#') return !(i === 0 && dollar);
    if (i >= levels.length) return false;
    const level = levels[i]!;
    if (literal === '+') {
      if ((i === 0 && dollar) || level === '#') return false;
      continue;
    }
    const expected = placeholder === undefined ? literal : filled(placeholder, client);
    if (expected === undefined || level !== expected) return false;
  }
  return rule.levels.length === levels.length;
}
