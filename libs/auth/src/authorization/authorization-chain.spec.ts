import { describe, expect, it } from 'vitest';
import {
  decideChain,
  foldChain,
  foldChainAsync,
  isSyncChain,
  reasonOf,
  type AsyncAuthorizationSource,
  type AuthorizationObserver,
  type ChainContext,
  type SourceResult,
  type SyncAuthorizationSource,
} from './authorization-chain';
import { compileRules, type AuthorizationRequest } from './compiled-rules';
import { compiledRulesSource } from './rule-sources';

const request: AuthorizationRequest = { action: 'publish', topic: 'a/b', qos: 0, retain: false };
const denyByDefault: ChainContext = { noMatch: 'deny', superuser: false };
const allowByDefault: ChainContext = { noMatch: 'allow', superuser: false };

function fixed(id: string, result: SourceResult, seen: string[] = []): SyncAuthorizationSource {
  return {
    id,
    type: 'built-in-database',
    sync: true,
    check: (r) => {
      seen.push(`${id}:${r.topic}`);
      return result;
    },
  };
}

function remote(id: string, answer: () => Promise<SourceResult>): AsyncAuthorizationSource {
  return { id, type: 'http', sync: false, check: answer };
}

const NO = { kind: 'no-match' } as const;

describe('foldChain', () => {
  it('the first allow or deny wins; later authorizers are not asked', () => {
    const seen: string[] = [];
    const verdict = foldChain([fixed('a1', NO, seen), fixed('a2', { kind: 'deny', ruleId: 'r9' }, seen), fixed('a3', { kind: 'allow' }, seen)], request, allowByDefault);
    expect(verdict).toEqual({ decision: 'deny', by: { authorizerId: 'a2', type: 'built-in-database', ruleId: 'r9' }, reason: 'rule r9 of built-in-database authorizer a2 denies publish on a/b' });
    expect(seen).toEqual(['a1:a/b', 'a2:a/b']);
  });

  it('an allow without a rule names the authorizer only', () => {
    expect(foldChain([fixed('a1', { kind: 'allow' })], request, denyByDefault)).toEqual({
      decision: 'allow',
      by: { authorizerId: 'a1', type: 'built-in-database' },
      reason: 'built-in-database authorizer a1 allows publish on a/b',
    });
  });

  it('no match anywhere: the noMatch policy decides', () => {
    expect(foldChain([fixed('a1', NO)], request, denyByDefault)).toEqual({ decision: 'deny', by: null, reason: 'no authorizer matched; the policy noMatch is deny' });
    expect(foldChain([], request, allowByDefault)).toEqual({ decision: 'allow', by: null, reason: 'no authorizer matched; the policy noMatch is allow' });
  });

  it('noMatch allow never opens $SYS; a rule naming it does', () => {
    const sys = (topic: string): AuthorizationRequest => ({ action: 'subscribe', topic, qos: 0, retain: false });
    const reason = 'no authorizer matched; $SYS topics need a rule that allows them, whatever noMatch says';
    expect(foldChain([fixed('a1', NO)], sys('$SYS/#'), allowByDefault)).toEqual({ decision: 'deny', by: null, reason });
    expect(foldChain([], sys('$SYS'), allowByDefault).decision).toBe('deny');
    expect(foldChain([], { ...request, topic: '$SYS/broker/x' }, allowByDefault).decision).toBe('deny');
    expect(foldChain([], sys('$SYSTEM/x'), allowByDefault).decision).toBe('allow');
    const rules = compiledRulesSource('a1', compileRules([{ permission: 'allow', action: 'subscribe', topic: '$SYS/broker/#', id: 'sys' }], { clientId: 'c' }));
    expect(foldChain([rules], sys('$SYS/broker/clients'), allowByDefault)).toMatchObject({ decision: 'allow', by: { ruleId: 'sys' } });
  });

  it('an error fails closed at once, even with noMatch allow and a later allow', () => {
    const seen: string[] = [];
    const verdict = foldChain([fixed('a1', { kind: 'error', message: 'backend down' }, seen), fixed('a2', { kind: 'allow' }, seen)], request, allowByDefault);
    expect(verdict).toEqual({ decision: 'deny', by: { authorizerId: 'a1', type: 'built-in-database' }, reason: 'built-in-database authorizer a1 failed (backend down); failing closed' });
    expect(seen).toEqual(['a1:a/b']);
  });

  it('a thrown error fails closed too', () => {
    const broken: SyncAuthorizationSource = { id: 'a1', type: 'client-info', sync: true, check: () => { throw new Error('bug'); } };
    expect(foldChain([broken], request, allowByDefault)).toMatchObject({ decision: 'deny', reason: 'client-info authorizer a1 failed (bug); failing closed' });
  });

  it('a superuser bypasses everything, deny rules and errors included', () => {
    const seen: string[] = [];
    const verdict = foldChain([fixed('a1', { kind: 'deny' }, seen), fixed('a2', { kind: 'error', message: 'x' }, seen)], request, { noMatch: 'deny', superuser: true });
    expect(verdict).toEqual({ decision: 'allow', by: null, reason: 'superuser: the authorization chain is bypassed' });
    expect(seen).toEqual([]);
  });

  it('checks a $share/{group}/ subscription by its filter', () => {
    const rules = compiledRulesSource('a1', compileRules([{ permission: 'allow', action: 'subscribe', topic: 'jobs/#', id: 'r1' }], { clientId: 'c' }));
    const verdict = foldChain([rules], { action: 'subscribe', topic: '$share/workers/jobs/+', qos: 1, retain: false }, denyByDefault);
    expect(verdict).toMatchObject({ decision: 'allow', by: { ruleId: 'r1' }, reason: 'rule r1 of built-in-database authorizer a1 allows subscribe on jobs/+' });
    expect(foldChain([rules], { action: 'subscribe', topic: '$share/workers/#', qos: 1, retain: false }, denyByDefault).decision).toBe('deny');
  });

  it('reports each answer it reads to the observer', () => {
    const kinds: string[] = [];
    const observer: AuthorizationObserver = { result: (source, kind) => kinds.push(`${source.id}:${kind}`) };
    foldChain([fixed('a1', NO), fixed('a2', { kind: 'allow' }), fixed('a3', NO)], request, { ...denyByDefault, observer });
    expect(kinds).toEqual(['a1:no-match', 'a2:allow']);
  });
});

describe('decideChain', () => {
  const rules = compiledRulesSource('a1', compileRules([{ permission: 'allow', action: 'all', topic: 'rooms/+/#', id: 'r1' }], { clientId: 'c' }));

  it('one decision per rule and authorizer, shared by every request it decides; reasonOf names the request', () => {
    const first = decideChain([rules], { ...request, topic: 'rooms/1/t' }, denyByDefault);
    const second = decideChain([rules], { action: 'subscribe', topic: 'rooms/2/#', qos: 1, retain: false }, denyByDefault);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(reasonOf(first, { ...request, topic: 'rooms/1/t' })).toBe('rule r1 of built-in-database authorizer a1 allows publish on rooms/1/t');
    expect(reasonOf(second, { action: 'subscribe', topic: 'rooms/2/#', qos: 1, retain: false })).toBe('rule r1 of built-in-database authorizer a1 allows subscribe on rooms/2/#');
    expect(decideChain([rules], { ...request, topic: 'other' }, denyByDefault)).toBe(decideChain([rules], { ...request, topic: 'else' }, denyByDefault));
  });

  it('the same rule answer from two authorizers makes two decisions, each naming its authorizer', () => {
    const answer = Object.freeze({ kind: 'deny' as const, ruleId: 'r1' });
    const one = decideChain([fixed('a1', answer)], request, allowByDefault);
    const other = decideChain([fixed('a2', answer)], request, allowByDefault);
    expect(one.by).toEqual({ authorizerId: 'a1', type: 'built-in-database', ruleId: 'r1' });
    expect(other.by).toEqual({ authorizerId: 'a2', type: 'built-in-database', ruleId: 'r1' });
  });

  it('an answer with its own reason keeps it as is', () => {
    const answer = Object.freeze({ kind: 'deny' as const, reason: 'the JWT acl claim (v1) lists no topic that covers it' });
    expect(reasonOf(decideChain([fixed('a1', answer)], request, allowByDefault), request)).toBe('the JWT acl claim (v1) lists no topic that covers it');
  });
});

describe('foldChainAsync', () => {
  it('asks in-memory and backend authorizers in chain order', async () => {
    const seen: string[] = [];
    const http = remote('h1', async () => {
      seen.push('h1');
      return { kind: 'allow' };
    });
    const verdict = await foldChainAsync([fixed('a1', NO, seen), http, fixed('a3', { kind: 'deny' }, seen)], request, denyByDefault);
    expect(verdict).toEqual({ decision: 'allow', by: { authorizerId: 'h1', type: 'http' }, reason: 'http authorizer h1 allows publish on a/b' });
    expect(seen).toEqual(['a1:a/b', 'h1']);
  });

  it('a rejected backend call fails closed, whatever noMatch says', async () => {
    const http = remote('h1', () => Promise.reject(new Error('timeout after 5000 ms')));
    expect(await foldChainAsync([http, fixed('a2', { kind: 'allow' })], request, allowByDefault)).toEqual({
      decision: 'deny',
      by: { authorizerId: 'h1', type: 'http' },
      reason: 'http authorizer h1 failed (timeout after 5000 ms); failing closed',
    });
  });

  it('no match falls to the policy; a superuser is not asked about', async () => {
    const never = remote('h1', () => Promise.reject(new Error('must not be asked')));
    expect((await foldChainAsync([remote('h1', async () => NO)], request, denyByDefault)).decision).toBe('deny');
    expect((await foldChainAsync([never], request, { ...denyByDefault, superuser: true })).decision).toBe('allow');
  });

  it('isSyncChain tells the hot path when no await is needed', () => {
    expect(isSyncChain([fixed('a1', NO)])).toBe(true);
    expect(isSyncChain([fixed('a1', NO), remote('h1', async () => NO)])).toBe(false);
  });
});
