import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from './compiled-rules';
import { compileClientAcl, MAX_CLIENT_ACL_RULES, parseHttpAclField, parseJwtAclClaim, type ClientAcl, type MalformedAcl } from './client-acl';
import { clientAclSource } from './rule-sources';

const client = { clientId: 'meter-17', username: 'alice' };
const pub = (topic: string, retain = false): AuthorizationRequest => ({ action: 'publish', topic, qos: 1, retain });
const sub = (topic: string): AuthorizationRequest => ({ action: 'subscribe', topic, qos: 1, retain: false });

function acl(parsed: ClientAcl | MalformedAcl): ClientAcl {
  if (parsed.kind === 'malformed') throw new Error(parsed.reason);
  return parsed;
}

function source(parsed: ClientAcl | MalformedAcl) {
  return clientAclSource('a1', compileClientAcl(acl(parsed), client));
}

describe('JWT acl claim, v1 {pub, sub, all}', () => {
  const v1 = parseJwtAclClaim({ pub: ['up/${clientid}'], sub: ['down/${clientid}/#'], all: ['shared/#'] });

  it('allows what it lists, per action, naming the entry', () => {
    const check = source(v1).check;
    expect(check(pub('up/meter-17'))).toMatchObject({ kind: 'allow', ruleId: 'pub[0]' });
    expect(check(sub('down/meter-17/cmd'))).toMatchObject({ kind: 'allow', ruleId: 'sub[0]' });
    expect(check(pub('shared/x'))).toMatchObject({ kind: 'allow', ruleId: 'all[0]' });
    expect(check(sub('shared/#'))).toMatchObject({ kind: 'allow', ruleId: 'all[0]' });
  });

  it('denies what it does not list (no fall-through)', () => {
    const check = source(v1).check;
    expect(check(sub('up/meter-17'))).toEqual({ kind: 'deny', reason: 'the JWT acl claim (v1) lists no topic that covers it; v1 denies what it does not list' });
    expect(check(pub('down/meter-17/cmd')).kind).toBe('deny');
    expect(check(pub('up/meter-18')).kind).toBe('deny');
  });

  it('an empty v1 object denies everything', () => {
    expect(source(parseJwtAclClaim({})).check(pub('a')).kind).toBe('deny');
  });

  it.each([
    [{ pub: ['a'], publish: ['b'] }, 'acl (v1) has unknown key(s) publish; use pub, sub, all'],
    [{ pub: 'a/#' }, 'acl.pub must be an array of topic filters'],
    [{ sub: ['a', 7] }, 'acl.sub[1] must be a string'],
    [{ all: ['a/#/b'] }, `acl.all[0]: topic "a/#/b": '#' must be the last level`],
    [{ pub: ['a/${peerhost}'] }, 'acl.pub[0]: topic "a/${peerhost}": unknown placeholder ${peerhost}; use ${clientid}, ${username}, ${cert_common_name}, ${cert_subject}'],
  ])('refuses a malformed v1 claim %j with the reason', (claim, reason) => {
    expect(parseJwtAclClaim(claim)).toEqual({ kind: 'malformed', reason });
  });
});

describe('JWT acl claim, v2 array', () => {
  const v2 = parseJwtAclClaim([
    { permission: 'deny', action: 'publish', topic: 'up/${clientid}/config', retain: true },
    { permission: 'allow', action: 'all', topic: 'up/${clientid}/#', qos: [0, 1] },
  ]);

  it('first match wins, ids name the array entry', () => {
    const check = source(v2).check;
    expect(check(pub('up/meter-17/config', true))).toMatchObject({ kind: 'deny', ruleId: 'acl[0]' });
    expect(check(pub('up/meter-17/config', false))).toMatchObject({ kind: 'allow', ruleId: 'acl[1]' });
  });

  it('no match falls through (no-match, the chain goes on)', () => {
    expect(source(v2).check(pub('elsewhere'))).toEqual({ kind: 'no-match' });
    expect(source(v2).check({ ...pub('up/meter-17/x'), qos: 2 })).toEqual({ kind: 'no-match' });
  });

  it.each([
    [[{ permission: 'allow', action: 'all' }], 'acl[0]: topic: topic must be a string'],
    [[{ permission: 'allow', action: 'all', topic: 't' }, { permission: 'maybe', action: 'all', topic: 't' }], 'acl[1]: permission: permission must be allow or deny'],
    [[{ permission: 'allow', action: 'all', topic: 't', clientId: 'x' }], 'acl[0]: unknown field(s) for an ACL rule: clientId'],
    [[{ permission: 'allow', action: 'subscribe', topic: 't', retain: false }], 'acl[0]: retain: retain applies to publishes only; leave it out of a subscribe rule'],
    [['a/#'], 'acl[0]: an ACL rule must be an object'],
  ])('refuses a malformed v2 claim %j with the reason', (claim, reason) => {
    expect(parseJwtAclClaim(claim)).toEqual({ kind: 'malformed', reason });
  });

  it('refuses a claim that is neither', () => {
    for (const claim of ['a/#', 7, null, true]) {
      expect(parseJwtAclClaim(claim)).toEqual({ kind: 'malformed', reason: 'acl must be an object {"pub", "sub", "all"} (v1) or an array of rules (v2)' });
    }
  });

  it(`reads at most ${MAX_CLIENT_ACL_RULES} rules`, () => {
    const rule = { permission: 'allow', action: 'all', topic: 't' };
    expect(acl(parseJwtAclClaim(Array(MAX_CLIENT_ACL_RULES).fill(rule))).rules).toHaveLength(MAX_CLIENT_ACL_RULES);
    expect(parseJwtAclClaim(Array(MAX_CLIENT_ACL_RULES + 1).fill(rule))).toEqual({ kind: 'malformed', reason: 'acl has 1001 rules; at most 1000 are read' });
    expect(parseJwtAclClaim({ pub: Array(MAX_CLIENT_ACL_RULES + 1).fill('t') })).toMatchObject({ kind: 'malformed' });
  });
});

describe('HTTP authentication answer acl', () => {
  it('reads the v2 shape and falls through on no match', () => {
    const parsed = acl(parseHttpAclField([{ permission: 'allow', action: 'subscribe', topic: 'down/${username}/#' }]));
    expect(parsed.format).toBe('http');
    const check = source(parsed).check;
    expect(check(sub('down/alice/#'))).toMatchObject({ kind: 'allow', ruleId: 'acl[0]' });
    expect(check(sub('down/bob/#'))).toEqual({ kind: 'no-match' });
  });

  it('refuses the v1 object (not part of the HTTP contract)', () => {
    expect(parseHttpAclField({ pub: ['a'] })).toEqual({ kind: 'malformed', reason: 'acl must be an array of rules [{"permission", "action", "topic", "qos"?, "retain"?}]' });
  });
});

describe('clientAclSource without rules', () => {
  it('answers no-match for a client without (or with a malformed) acl', () => {
    expect(clientAclSource('a1', undefined).check(pub('a'))).toEqual({ kind: 'no-match' });
  });
});
