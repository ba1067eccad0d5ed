import { describe, expect, it } from 'vitest';
import type { Qos } from './acl-rule';
import { authorizationClientOf, compileRules, evaluateRules, NO_RULE_MATCHED, type AuthorizationClient, type AuthorizationRequest, type IdentifiedRule } from './compiled-rules';

const meter: AuthorizationClient = { clientId: 'meter-17', username: 'alice', certCommonName: 'meter-17.acme', certSubject: 'CN=meter-17.acme,O=Acme' };

const pub = (topic: string, qos: Qos = 0, retain = false): AuthorizationRequest => ({ action: 'publish', topic, qos, retain });
const sub = (topic: string, qos: Qos = 0): AuthorizationRequest => ({ action: 'subscribe', topic, qos, retain: false });

function decide(rules: IdentifiedRule[], request: AuthorizationRequest, client = meter) {
  return evaluateRules(compileRules(rules, client), request);
}

const allow = (topic: string, extra: Partial<IdentifiedRule> = {}): IdentifiedRule => ({ permission: 'allow', action: 'all', topic, ...extra });
const deny = (topic: string, extra: Partial<IdentifiedRule> = {}): IdentifiedRule => ({ permission: 'deny', action: 'all', topic, ...extra });

describe('evaluateRules: order and result', () => {
  it('first match wins and names the rule by index and id', () => {
    const rules = [allow('other/#', { id: 'r0' }), deny('a/secret', { id: 'r1' }), allow('a/#', { id: 'r2' })];
    expect(decide(rules, pub('a/secret'))).toEqual({ kind: 'deny', index: 1, ruleId: 'r1' });
    expect(decide(rules, pub('a/open'))).toEqual({ kind: 'allow', index: 2, ruleId: 'r2' });
    expect(decide(rules, pub('b'))).toBe(NO_RULE_MATCHED);
  });

  it('checks the action: publish, subscribe, all', () => {
    const rules = [allow('p', { action: 'publish' }), allow('s', { action: 'subscribe' })];
    expect(decide(rules, pub('p')).kind).toBe('allow');
    expect(decide(rules, sub('p')).kind).toBe('no-match');
    expect(decide(rules, sub('s')).kind).toBe('allow');
    expect(decide(rules, pub('s')).kind).toBe('no-match');
  });

  it('checks qos and, for publishes only, retain', () => {
    const rules = [allow('q', { qos: [0, 1] }), deny('r', { action: 'publish', retain: true }), allow('r')];
    expect(decide(rules, pub('q', 1)).kind).toBe('allow');
    expect(decide(rules, pub('q', 2)).kind).toBe('no-match');
    expect(decide(rules, sub('q', 2)).kind).toBe('no-match');
    expect(decide(rules, pub('r', 0, true))).toMatchObject({ kind: 'deny', index: 1 });
    expect(decide(rules, pub('r', 0, false))).toMatchObject({ kind: 'allow', index: 2 });
    const allRetained = [allow('t', { retain: true })];
    expect(decide(allRetained, sub('t')).kind).toBe('allow');
  });
});

describe('compileRules: which rules apply to a client', () => {
  it('keeps rules for its clientId and username (both must hold), and rules for everyone', () => {
    const rules = [allow('x', { clientId: 'other' }), allow('x', { username: 'bob' }), allow('x', { clientId: 'meter-17', username: 'bob' }), deny('x', { clientId: 'meter-17', username: 'alice' }), allow('x')];
    expect(decide(rules, pub('x'))).toMatchObject({ kind: 'deny', index: 3 });
    expect(compileRules(rules, { clientId: 'z' }).rules).toHaveLength(1);
  });
});

describe('placeholders', () => {
  it('fill whole levels with the client id, user name and certificate fields', () => {
    const rules = [allow('d/${clientid}/u/${username}'), allow('c/${cert_common_name}'), allow('s/${cert_subject}/#')];
    expect(decide(rules, pub('d/meter-17/u/alice')).kind).toBe('allow');
    expect(decide(rules, pub('d/meter-18/u/alice')).kind).toBe('no-match');
    expect(decide(rules, pub('c/meter-17.acme')).kind).toBe('allow');
    expect(decide(rules, sub('s/CN=meter-17.acme,O=Acme/#')).kind).toBe('allow');
  });

  it('a device may not read another device topics', () => {
    const rules = [allow('devices/${clientid}/#', { action: 'subscribe' })];
    expect(decide(rules, sub('devices/meter-17/#')).kind).toBe('allow');
    expect(decide(rules, sub('devices/meter-18/state')).kind).toBe('no-match');
    expect(decide(rules, sub('devices/+/state')).kind).toBe('no-match');
    expect(decide(rules, sub('devices/#')).kind).toBe('no-match');
  });

  it.each(['+', '#', 'a/b', 'meter/#', '', 'x+y'])('a client id %j never widens a match: the rule does not match at all', (clientId) => {
    const rules = [allow('devices/${clientid}/#', { id: 'own' })];
    const client = { clientId };
    for (const topic of ['devices/#', 'devices/+/#', 'devices/x/y', `devices/${clientId}/y`, 'devices/a/b/c', 'devices//y']) {
      expect(decide(rules, sub(topic), client)).toBe(NO_RULE_MATCHED);
      expect(decide(rules, pub(topic), client)).toBe(NO_RULE_MATCHED);
    }
  });

  it('a user name or certificate field holding wildcards or / never widens either', () => {
    const rules = [allow('u/${username}/#'), allow('c/${cert_common_name}/#'), allow('s/${cert_subject}')];
    const client = { clientId: 'c', username: '#', certCommonName: '+', certSubject: '/CN=x/O=y' };
    for (const topic of ['u/#', 'u/x/y', 'c/+/#', 'c/x', 's/', 's/CN=x/O=y', 's//CN=x/O=y']) {
      expect(decide(rules, sub(topic), client)).toBe(NO_RULE_MATCHED);
    }
  });

  it('a missing user name or certificate: the rule does not match (no empty level)', () => {
    const anonymous = { clientId: 'c' };
    expect(decide([allow('u/${username}/#'), allow('c/${cert_common_name}')], pub('u//x'), anonymous)).toBe(NO_RULE_MATCHED);
    expect(decide([allow('c/${cert_common_name}')], pub('c/'), anonymous)).toBe(NO_RULE_MATCHED);
  });

  it('a value reading like a placeholder or wildcard-free text is used literally, once', () => {
    const client = { clientId: '${username}', username: 'alice' };
    expect(decide([allow('d/${clientid}')], pub('d/${username}'), client).kind).toBe('allow');
    expect(decide([allow('d/${clientid}')], pub('d/alice'), client).kind).toBe('no-match');
  });
});

describe('eq: the filter matched literally', () => {
  it('matches only the same filter text, wildcards and placeholders included', () => {
    const rules = [allow('eq a/#', { action: 'subscribe' }), allow('eq d/${clientid}')];
    expect(decide(rules, sub('a/#')).kind).toBe('allow');
    expect(decide(rules, sub('a/b')).kind).toBe('no-match');
    expect(decide(rules, sub('a/+')).kind).toBe('no-match');
    expect(decide(rules, pub('d/${clientid}')).kind).toBe('allow');
    expect(decide(rules, pub('d/meter-17')).kind).toBe('no-match');
  });
});

describe('$SYS', () => {
  it('is not reached by a leading wildcard rule, only by a rule naming it', () => {
    expect(decide([allow('#')], sub('$SYS/#'))).toBe(NO_RULE_MATCHED);
    expect(decide([allow('#')], sub('$SYS/broker/clients'))).toBe(NO_RULE_MATCHED);
    expect(decide([allow('+/#')], pub('$SYS/x'))).toBe(NO_RULE_MATCHED);
    expect(decide([allow('$SYS/broker/#')], sub('$SYS/broker/clients')).kind).toBe('allow');
  });
});

describe('twenty rules, nineteen of them non-matching with placeholders', () => {
  it('reaches the twentieth and returns the very object built at compile time', () => {
    const rules: IdentifiedRule[] = Array.from({ length: 19 }, (_, i) => deny(`tenant/${i}/\${clientid}/\${username}/#`, { id: `r${i}` }));
    rules.push(allow('tenant/data/${clientid}/#', { id: 'r19' }));
    const compiled = compileRules(rules, meter);
    const first = evaluateRules(compiled, pub('tenant/data/meter-17/temp'));
    expect(first).toEqual({ kind: 'allow', index: 19, ruleId: 'r19' });
    expect(evaluateRules(compiled, pub('tenant/data/meter-17/temp'))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('authorizationClientOf', () => {
  it('takes the id, user name and certificate fields of a CONNECT', () => {
    const certificate = { commonName: 'cn', subject: 'CN=cn', serialNumber: '01', fingerprint256: 'AA' };
    expect(authorizationClientOf({ clientId: 'c', username: 'u', certificate })).toEqual({ clientId: 'c', username: 'u', certCommonName: 'cn', certSubject: 'CN=cn' });
  });
});
