import { describe, expect, it } from 'vitest';
import type { AclAction, Qos } from './acl-rule';
import { compileRules, evaluateAllRules, evaluateRules, NO_RULE_MATCHED, type AuthorizationClient, type AuthorizationRequest, type IdentifiedRule } from './compiled-rules';
import { bucketFor, indexRules } from './rule-index';

/** mulberry32: a seeded generator, so a failure is reproduced by its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const LITERALS = ['a', 'b', 'c', 'dev-1', '$SYS', ''];
const CLIENTS: AuthorizationClient[] = [
  { clientId: 'dev-1', username: 'a' },
  { clientId: 'b' },
  { clientId: 'x/y', username: '+' },
  { clientId: 'c', username: 'dev-1', certCommonName: 'a' },
];

function generator(seed: number) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const chance = (p: number) => next() < p;
  const levels = (count: number, wildcards: boolean, placeholders: boolean): string[] =>
    Array.from({ length: count }, (_, i) => {
      if (wildcards && i === count - 1 && chance(0.25)) return '#';
      if (wildcards && chance(0.2)) return '+';
      if (placeholders && chance(0.2)) return pick(['${clientid}', '${username}', '${cert_common_name}']);
      return pick(LITERALS);
    });
  const rule = (id: number): IdentifiedRule => {
    const action = pick<AclAction>(['publish', 'subscribe', 'all']);
    const topic = chance(0.1) ? `eq ${levels(1 + Math.floor(next() * 3), true, true).join('/')}` : levels(1 + Math.floor(next() * 4), true, true).join('/');
    return {
      id: `r${id}`,
      permission: chance(0.5) ? 'allow' : 'deny',
      action,
      topic,
      ...(chance(0.2) ? { qos: [pick<Qos>([0, 1, 2])] } : {}),
      ...(action !== 'subscribe' && chance(0.15) ? { retain: chance(0.5) } : {}),
      ...(chance(0.1) ? { clientId: pick(CLIENTS).clientId } : {}),
      ...(chance(0.1) ? { username: pick(['a', 'dev-1']) } : {}),
    };
  };
  const request = (): AuthorizationRequest => {
    const subscribe = chance(0.5);
    return { action: subscribe ? 'subscribe' : 'publish', topic: levels(1 + Math.floor(next() * 5), subscribe, false).join('/'), qos: pick<Qos>([0, 1, 2]), retain: chance(0.3) };
  };
  return { rules: (count: number) => Array.from({ length: count }, (_, i) => rule(i)), request, pick, count: (n: number) => Math.floor(next() * n) };
}

describe('the rule index', () => {
  it('decides as a walk of every rule would: random rules, clients and requests (property)', () => {
    let compared = 0;
    let matched = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const g = generator(seed);
      const rules = g.rules(1 + g.count(30));
      for (const client of CLIENTS) {
        const compiled = compileRules(rules, client);
        for (let i = 0; i < 60; i++) {
          const request = g.request();
          const indexed = evaluateRules(compiled, request);
          const walked = evaluateAllRules(compiled, request);
          if (indexed !== walked) expect({ seed, client, request, rules, indexed }).toEqual({ seed, client, request, rules, indexed: walked });
          compared++;
          if (walked !== NO_RULE_MATCHED) matched++;
        }
      }
    }
    expect(compared).toBe(400 * CLIENTS.length * 60);
    expect(matched).toBeGreaterThan(compared / 10); // the generator makes matches, not only misses
  });

  const levelsOf = (topic: string, position: number) => ({ position, literal: undefined, levels: topic.split('/') });

  it('keys rules by their first level when they differ there; wildcard-first rules are shared, kept once', () => {
    const rules = [levelsOf('devices/x/#', 0), levelsOf('+/status', 1), levelsOf('fleet/x', 2), levelsOf('devices/x', 3), levelsOf('#', 4)];
    const index = indexRules(rules);
    expect(index.depth).toBe(0);
    expect(index.shared).toEqual([rules[1], rules[4]]);
    expect(bucketFor(index, 'devices/x/t')).toEqual([rules[0], rules[3]]);
    expect(bucketFor(index, 'fleet/x')).toEqual([rules[2]]);
    expect(bucketFor(index, 'other/status')).toEqual([]);
  });

  it('keys rules by a deeper level when they share the first one (a `+` before it too); shorter requests get the short rules', () => {
    const rules = [levelsOf('acme/dev-1/#', 0), levelsOf('acme/dev-2/t', 1), levelsOf('acme/+/status', 2), levelsOf('acme', 3), levelsOf('acme/dev-3', 4), levelsOf('+/dev-3/x', 5)];
    const index = indexRules(rules);
    expect(index.depth).toBe(1);
    expect(index.shared).toEqual([rules[2]]);
    expect(bucketFor(index, 'acme/dev-1/t')).toEqual([rules[0]]);
    expect(bucketFor(index, 'acme/dev-3')).toEqual([rules[4], rules[5]]);
    expect(bucketFor(index, 'acme')).toEqual([rules[3]]);
  });

  it('keys an eq rule by its text, wildcards included (`eq a/#` at depth 1 by `#`)', () => {
    const rules = [{ position: 0, literal: 'a/#', levels: [] }, levelsOf('b/c', 1), levelsOf('+/d', 2)];
    const index = indexRules(rules);
    expect(index.depth).toBe(1);
    expect(bucketFor(index, 'a/#')).toContain(rules[0]);
    expect(bucketFor(index, 'x/d')).toContain(rules[2]);
  });
});
