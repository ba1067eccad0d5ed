import { describe, expect, it } from 'vitest';
import type { AclRule } from './acl-rule';
import type { AsyncAuthorizationSource, AuthorizationVerdict } from './authorization-chain';
import { GATE_WINDOW } from './cache-gate';
import { ClientAuthorization, type ClientChain } from './client-authorization';
import { compileRules, type AuthorizationRequest, type IdentifiedRule } from './compiled-rules';
import { compiledRulesSource } from './rule-sources';

const client = { clientId: 'meter-17' };
const pub = (topic: string): AuthorizationRequest => ({ action: 'publish', topic, qos: 0, retain: false });
const sub = (topic: string): AuthorizationRequest => ({ action: 'subscribe', topic, qos: 0, retain: false });

/** An instance's rule store as the broker would hold it: rules, a generation, a count of compilations. */
function instance(rules: IdentifiedRule[]) {
  const state = { rules, generation: 0, compilations: 0, checks: 0, cacheHits: 0 };
  const build = (): ClientChain => {
    state.compilations++;
    const source = compiledRulesSource('a1', compileRules(state.rules, client));
    const counted = { ...source, check: (r: AuthorizationRequest) => (state.checks++, source.check(r)) };
    return { sources: [counted], noMatch: 'deny', superuser: false, observer: { result: () => undefined, cacheHit: () => state.cacheHits++ } };
  };
  const authorization = new ClientAuthorization(build, () => state.generation, 16);
  return { state, authorization };
}

function sync(verdict: AuthorizationVerdict | Promise<AuthorizationVerdict>): AuthorizationVerdict {
  if (verdict instanceof Promise) throw new Error('expected a synchronous verdict');
  return verdict;
}

const allowOwn: AclRule & { id: string } = { permission: 'allow', action: 'all', topic: 'devices/${clientid}/#', id: 'own' };

describe('ClientAuthorization', () => {
  it('compiles once, answers synchronously and serves repeats from the cache (the same object)', () => {
    const { state, authorization } = instance([allowOwn]);
    const first = sync(authorization.check(pub('devices/meter-17/t')));
    expect(first).toMatchObject({ decision: 'allow', by: { ruleId: 'own' } });
    const again = sync(authorization.check(pub('devices/meter-17/t')));
    expect(again).toBe(first);
    expect(sync(authorization.check(pub('devices/meter-18/t'))).decision).toBe('deny');
    expect({ compilations: state.compilations, checks: state.checks, cacheHits: state.cacheHits }).toEqual({ compilations: 1, checks: 2, cacheHits: 1 });
  });

  it('a cache miss returns the decision the rule already made for another topic (the same object)', () => {
    const { state, authorization } = instance([allowOwn]);
    const first = sync(authorization.check(pub('devices/meter-17/a')));
    expect(sync(authorization.check(sub('devices/meter-17/b/#')))).toBe(first);
    expect(state.checks).toBe(2);
  });

  it('a bumped generation recompiles and forgets cached decisions: a revoked rule stops at once', () => {
    const { state, authorization } = instance([allowOwn]);
    expect(sync(authorization.check(sub('devices/meter-17/#'))).decision).toBe('allow');
    state.rules = [{ ...allowOwn, permission: 'deny', id: 'revoked' }];
    expect(sync(authorization.check(sub('devices/meter-17/#'))).decision).toBe('allow'); // no change event yet: cached
    state.generation++;
    expect(sync(authorization.check(sub('devices/meter-17/#')))).toMatchObject({ decision: 'deny', by: { ruleId: 'revoked' } });
    expect(state.compilations).toBe(2);
  });

  it('a client whose checks mostly miss stops asking the cache for a while, then tries it again; decisions stay the rules\'', () => {
    const { state, authorization } = instance([allowOwn]); // a 16-topic cache
    // One check in four repeats a topic, the others are new (and one in three of those denied).
    const topic = (i: number) => (i % 4 === 0 ? 'devices/meter-17/same' : i % 3 === 0 ? `devices/meter-18/${i}` : `devices/meter-17/${i}`);
    const window = (from: number) => {
      const [checks, hits] = [state.checks, state.cacheHits];
      for (let i = from; i < from + GATE_WINDOW; i++) expect(sync(authorization.check(pub(topic(i)))).decision).toBe(topic(i).startsWith('devices/meter-18/') ? 'deny' : 'allow');
      return { checks: state.checks - checks, hits: state.cacheHits - hits };
    };
    const first = window(0);
    expect(first.hits).toBeGreaterThan(0);
    expect(first.hits * 2).toBeLessThan(GATE_WINDOW);
    expect(window(GATE_WINDOW)).toEqual({ checks: GATE_WINDOW, hits: 0 }); // not asked: every check walks the rules
    state.rules = [{ ...allowOwn, permission: 'deny', id: 'revoked' }];
    state.generation++;
    expect(sync(authorization.check(pub('devices/meter-17/same')))).toMatchObject({ decision: 'deny', by: { ruleId: 'revoked' } });
    state.rules = [allowOwn];
    state.generation++;
    expect(window(2 * GATE_WINDOW).hits).toBeGreaterThan(0); // asked again
  });

  it('caches a $share subscription under its filter', () => {
    const { state, authorization } = instance([allowOwn]);
    sync(authorization.check(sub('$share/g/devices/meter-17/#')));
    expect(sync(authorization.check(sub('devices/meter-17/#'))).decision).toBe('allow');
    expect(state.checks).toBe(1);
  });

  it('a chain with a backend authorizer answers with a promise and is not cached here', async () => {
    let calls = 0;
    const http: AsyncAuthorizationSource = { id: 'h1', type: 'http', sync: false, check: async () => (calls++, { kind: 'allow' }) };
    const authorization = new ClientAuthorization(() => ({ sources: [http], noMatch: 'deny', superuser: false }), () => 0);
    const verdict = authorization.check(pub('t'));
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toMatchObject({ decision: 'allow', by: { authorizerId: 'h1' } });
    await authorization.check(pub('t'));
    expect(calls).toBe(2);
  });

  it('a backend authorizer with the answer cached answers synchronously, counted as a cache hit; a rule before it still decides first', () => {
    const results: string[] = [];
    const hits: (string | undefined)[] = [];
    let asked = 0;
    const http: AsyncAuthorizationSource = {
      id: 'h1',
      type: 'http',
      sync: false,
      check: async () => (asked++, { kind: 'allow' }),
      cached: (r) => (r.topic === 'known' ? { kind: 'deny' } : undefined),
    };
    const rules = compiledRulesSource('a1', compileRules([{ id: 'open', permission: 'allow', action: 'all', topic: 'open' }], client));
    const observer = { result: (_s: unknown, kind: string) => void results.push(kind), cacheHit: (v: AuthorizationVerdict) => void hits.push(v.by?.authorizerId) };
    const authorization = new ClientAuthorization(() => ({ sources: [rules, http], noMatch: 'allow', superuser: false, observer }), () => 0);
    expect(sync(authorization.check(pub('known')))).toMatchObject({ decision: 'deny', by: { authorizerId: 'h1' } });
    expect(hits).toEqual(['h1']);
    expect(results).toEqual(['no-match', 'deny']);
    expect(sync(authorization.check(pub('open')))).toMatchObject({ decision: 'allow', by: { authorizerId: 'a1', ruleId: 'open' } });
    expect(authorization.check(pub('unknown'))).toBeInstanceOf(Promise);
    expect(asked).toBe(1);
    expect(hits).toEqual(['h1']);
  });
});
