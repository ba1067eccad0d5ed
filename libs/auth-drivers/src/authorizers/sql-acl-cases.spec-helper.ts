import { expect, it } from 'vitest';
import { type AsyncAuthorizationSource, type AuthorizationRequest, type ConnectCredentials, foldChainAsync } from '@mqc/auth';
import { INJECTIONS } from '../external/hash-cases.spec-helper';
import type { DatabaseAuthorizer, DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * The rows both SQL authorizer specs load into `mqtt_acl (id, username, permission, action,
 * topic, qos, retain)`, in id order: EMQX's shape, as a tenant would write it.
 */
export const ACL_ROWS: readonly { username: string; permission: string; action: string; topic: string; qos: string | null; retain: number | null }[] = [
  { username: 'alice', permission: 'deny', action: 'publish', topic: 'devices/${clientid}/secret', qos: null, retain: null },
  { username: 'alice', permission: 'allow', action: 'publish', topic: 'devices/${clientid}/#', qos: '0,1', retain: 0 },
  { username: 'alice', permission: 'allow', action: 'subscribe', topic: 'eq broadcast/#', qos: null, retain: null },
  { username: 'alice', permission: 'deny', action: 'all', topic: 'broadcast/private', qos: null, retain: null },
  { username: 'alice', permission: 'allow', action: 'subscribe', topic: 'broadcast/+', qos: null, retain: 1 },
  { username: 'broken', permission: 'allow', action: 'publish', topic: 'fine', qos: null, retain: null },
  { username: 'broken', permission: 'allow', action: 'pub', topic: 'bad', qos: null, retain: null },
  { username: 'cached', permission: 'allow', action: 'publish', topic: 'before', qos: null, retain: null },
  { username: 'uncached', permission: 'allow', action: 'publish', topic: 'before', qos: null, retain: null },
];

/** The query the cases use; `${username}` is bound. */
export const ACL_QUERY = 'SELECT permission, action, topic, qos, retain FROM mqtt_acl WHERE username = ${username} ORDER BY id';

export function aclClient(username: string | undefined, clientId = 'dev-1'): ConnectCredentials {
  return { instanceId: '00000000-0000-4000-8000-000000000013', clientId, username, peerHost: '203.0.113.9', protocolVersion: 5 };
}

export const publish = (topic: string, qos: 0 | 1 | 2 = 0, retain = false): AuthorizationRequest => ({ action: 'publish', topic, qos, retain });
export const subscribe = (topic: string, qos: 0 | 1 | 2 = 0): AuthorizationRequest => ({ action: 'subscribe', topic, qos, retain: false });

export interface SqlAuthorizerHarness {
  /** An authorizer on the test database (config merged over `{url, query: ACL_QUERY}`), closed after the suite. */
  make(config?: Record<string, unknown>, allow?: readonly string[], options?: DatabaseAuthorizerOptions): DatabaseAuthorizer;
  /** A query that sleeps past any timeout. */
  slowQuery: string;
  /** Changes the topic of `username`'s rows (the cache case). */
  setTopic(username: string, topic: string): Promise<void>;
  /** Counts the rows of mqtt_acl (injections change nothing). */
  countRows(): Promise<number>;
  /** The error the chain reports when the guard refuses loopback. */
  name: string;
}

/** The cases the PostgreSQL and MySQL authorizers share, run against the real server. */
export function sqlAuthorizerCases(h: () => SqlAuthorizerHarness): void {
  it('evaluates the rows in order: first match wins, no row falls through', async () => {
    const alice = h().make().sourceFor(aclClient('alice'));
    expect(await alice.check(publish('devices/dev-1/secret'))).toMatchObject({ kind: 'deny', ruleId: 'row[0]' });
    expect(await alice.check(publish('devices/dev-1/telemetry'))).toMatchObject({ kind: 'allow', ruleId: 'row[1]' });
    expect(await alice.check(subscribe('broadcast/private'))).toMatchObject({ kind: 'deny', ruleId: 'row[3]' });
    expect(await alice.check(subscribe('broadcast/news'))).toMatchObject({ kind: 'allow', ruleId: 'row[4]' });
    expect(await alice.check(publish('elsewhere'))).toEqual({ kind: 'no-match' });
    expect(await h().make().sourceFor(aclClient('nobody')).check(publish('devices/dev-1/telemetry'))).toEqual({ kind: 'no-match' });
    expect(await h().make().sourceFor(aclClient(undefined)).check(publish('devices/dev-1/telemetry'))).toEqual({ kind: 'no-match' });
  });

  it('fills topic placeholders a whole level at a time (a client id # or a/b never widens) and reads eq literally', async () => {
    const authorizer = h().make();
    expect(await authorizer.sourceFor(aclClient('alice', 'dev-2')).check(publish('devices/dev-1/telemetry'))).toEqual({ kind: 'no-match' });
    expect(await authorizer.sourceFor(aclClient('alice', '#')).check(publish('devices/dev-1/telemetry'))).toEqual({ kind: 'no-match' });
    expect(await authorizer.sourceFor(aclClient('alice', 'dev-1/x')).check(publish('devices/dev-1/x/y'))).toEqual({ kind: 'no-match' });
    const alice = authorizer.sourceFor(aclClient('alice'));
    expect(await alice.check(subscribe('broadcast/#'))).toMatchObject({ kind: 'allow', ruleId: 'row[2]' });
    expect(await alice.check(subscribe('broadcast/+/x'))).toEqual({ kind: 'no-match' });
  });

  it('applies the qos and retain columns', async () => {
    const alice = h().make().sourceFor(aclClient('alice'));
    expect(await alice.check(publish('devices/dev-1/t', 1, false))).toMatchObject({ kind: 'allow', ruleId: 'row[1]' });
    expect(await alice.check(publish('devices/dev-1/t', 2, false))).toEqual({ kind: 'no-match' });
    expect(await alice.check(publish('devices/dev-1/t', 0, true))).toEqual({ kind: 'no-match' });
  });

  it('binds the username: injection attempts read no rows and change none', async () => {
    const authorizer = h().make({ query: 'SELECT permission, action, topic, qos, retain FROM mqtt_acl WHERE username = ${username} AND topic <> ${clientid} ORDER BY id' });
    for (const attempt of INJECTIONS) {
      const source = authorizer.sourceFor(aclClient(attempt, attempt));
      expect(await source.check(publish('devices/dev-1/telemetry')), attempt).toEqual({ kind: 'no-match' });
      expect(await source.check(subscribe('broadcast/news')), attempt).toEqual({ kind: 'no-match' });
    }
    expect(await h().countRows()).toBe(ACL_ROWS.length);
  });

  it('answers error, naming the row, when a row cannot be read; the chain then denies whatever noMatch says', async () => {
    const broken = h().make().sourceFor(aclClient('broken'));
    const result = await broken.check(publish('fine'));
    expect(result).toEqual({ kind: 'error', message: expect.stringMatching(/row\[1\]: action: action must be publish, subscribe or all/) });
    const verdict = await foldChainAsync([broken], publish('fine'), { noMatch: 'allow', superuser: false });
    expect(verdict).toMatchObject({ decision: 'deny', reason: expect.stringMatching(/failing closed/) });
  });

  it('answers error after timeoutMs (fail closed)', async () => {
    const slow = h().make({ timeoutMs: 300, query: h().slowQuery }).sourceFor(aclClient('alice'));
    expect(await slow.check(publish('devices/dev-1/telemetry'))).toEqual({ kind: 'error', message: expect.stringMatching(new RegExp(`^${h().name}:\\d+/\\w+: .*(timeout|no answer|canceling statement)`, 'i')) });
  });

  it('connects only through the private-address guard: loopback is refused without the operator allow-list', async () => {
    const refused = h().make({}, []).sourceFor(aclClient('alice'));
    expect(await refused.check(publish('devices/dev-1/telemetry'))).toEqual({ kind: 'error', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) });
  });

  it('reads a client\'s rows once per cacheTtlSeconds: a changed row is seen only after the TTL', async () => {
    let now = 1_000_000;
    const source: AsyncAuthorizationSource = h().make({ cacheTtlSeconds: 30 }, undefined, { now: () => now }).sourceFor(aclClient('cached'));
    expect(await source.check(publish('before'))).toMatchObject({ kind: 'allow' });
    await h().setTopic('cached', 'after');
    now += 29_000;
    expect(await source.check(publish('before'))).toMatchObject({ kind: 'allow' });
    expect(await source.check(publish('after'))).toEqual({ kind: 'no-match' });
    now += 1_000;
    expect(await source.check(publish('after'))).toMatchObject({ kind: 'allow' });
    expect(await source.check(publish('before'))).toEqual({ kind: 'no-match' });
  });

  it('with cacheTtlSeconds 0 reads the rows on every check', async () => {
    const source = h().make({ cacheTtlSeconds: 0 }, undefined, { now: () => 0 }).sourceFor(aclClient('uncached'));
    expect(await source.check(publish('before'))).toMatchObject({ kind: 'allow' });
    await h().setTopic('uncached', 'after');
    expect(await source.check(publish('after'))).toMatchObject({ kind: 'allow' });
  });
}
