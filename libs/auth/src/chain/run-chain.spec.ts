import { describe, expect, it } from 'vitest';
import type { AnonymousPolicy, BackendFailurePolicy } from '@mqc/domain';
import type { AuthResult, Authenticator, ConnectCredentials, DenyReason } from './authenticator';
import { ChainMetrics, type ChainObserver, type Outcome } from './chain-metrics';
import { allowedBy, runChain } from './run-chain';

/** What one fake authenticator does when asked. */
type Step = 'allow' | 'allow-superuser' | 'deny' | 'deny-quota' | 'deny-method' | 'ignore' | 'throw' | 'timeout';
/** What the client presents on CONNECT. */
type Client = 'password' | 'username-only' | 'empty-username' | 'anonymous' | 'certificate' | 'auth-method';
type Expected = 'allow' | 'allow-superuser' | DenyReason;

const RESULTS: Record<Exclude<Step, 'throw' | 'timeout'>, AuthResult> = {
  allow: { kind: 'allow' },
  'allow-superuser': { kind: 'allow', superuser: true },
  deny: { kind: 'deny', reason: 'bad-credentials' },
  'deny-quota': { kind: 'deny', reason: 'quota-exceeded' },
  'deny-method': { kind: 'deny', reason: 'bad-authentication-method' },
  ignore: { kind: 'ignore' },
};

const OUTCOME_OF: Record<Step, Outcome> = {
  allow: 'allow',
  'allow-superuser': 'allow',
  deny: 'deny',
  'deny-quota': 'deny',
  'deny-method': 'deny',
  ignore: 'ignore',
  throw: 'error',
  timeout: 'error',
};

/** CONNACK codes written out from the MQTT specifications, not taken from connack-codes.ts. */
const CODES: Record<DenyReason, { 4: number; 5: number }> = {
  'bad-credentials': { 4: 4, 5: 0x86 },
  'not-authorized': { 4: 5, 5: 0x87 },
  'server-unavailable': { 4: 3, 5: 0x88 },
  'quota-exceeded': { 4: 3, 5: 0x97 },
  'bad-authentication-method': { 4: 5, 5: 0x8c },
  banned: { 4: 5, 5: 0x8a },
};

function fakeChain(steps: readonly Step[]) {
  const calls: string[] = [];
  const authenticators: Authenticator[] = steps.map((step, i) => ({
    id: `a${i}`,
    type: 'http',
    authenticate: async () => {
      calls.push(`a${i}`);
      if (step === 'throw') throw new Error('backend down');
      if (step === 'timeout') return new Promise<AuthResult>(() => undefined);
      return RESULTS[step];
    },
  }));
  return { authenticators, calls };
}

function credentialsOf(client: Client, protocolVersion: 4 | 5): ConnectCredentials {
  const base: ConnectCredentials = { instanceId: 'inst-1', clientId: 'c1', peerHost: '10.0.0.9', protocolVersion };
  switch (client) {
    case 'password':
      return { ...base, username: 'alice', password: Buffer.from('secret') };
    case 'username-only':
      return { ...base, username: 'alice' };
    case 'empty-username':
      return { ...base, username: '', password: Buffer.from('secret') };
    case 'anonymous':
      return base;
    case 'certificate':
      return { ...base, certificate: { commonName: 'c1', subject: 'CN=c1', serialNumber: '01', fingerprint256: 'AB' } };
    case 'auth-method':
      return { ...base, authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('n,,n=alice,r=abc') };
  }
}

// name | chain | anonymous | onBackendFailure | client | expected | authenticators run | decided by (index)
type Row = [string, Step[], AnonymousPolicy, BackendFailurePolicy, Client, Expected, number, number?];

const TABLE: Row[] = [
  // The fold stops at the first allow or deny.
  ['first allows', ['allow', 'deny'], 'deny', 'deny', 'password', 'allow', 1, 0],
  ['superuser flag carried', ['allow-superuser'], 'deny', 'deny', 'password', 'allow-superuser', 1, 0],
  ['first denies', ['deny', 'allow'], 'allow', 'ignore', 'password', 'bad-credentials', 1, 0],
  ['ignore then allow', ['ignore', 'allow'], 'deny', 'deny', 'password', 'allow', 2, 1],
  ['ignore then deny', ['ignore', 'ignore', 'deny'], 'allow', 'deny', 'password', 'bad-credentials', 3, 2],
  ['deny with quota exceeded', ['deny-quota'], 'allow', 'deny', 'password', 'quota-exceeded', 1, 0],
  ['deny with bad auth method', ['deny-method'], 'allow', 'deny', 'password', 'bad-authentication-method', 1, 0],

  // Nobody judged the client: the anonymous policy decides.
  ['empty chain, anonymous allow', [], 'allow', 'deny', 'password', 'allow', 0],
  ['empty chain, anonymous deny', [], 'deny', 'deny', 'password', 'bad-credentials', 0],
  ['empty chain, anonymous quick_deny', [], 'quick_deny', 'deny', 'password', 'bad-credentials', 0],
  ['all ignore, anonymous allow', ['ignore', 'ignore'], 'allow', 'deny', 'password', 'allow', 2],
  ['all ignore, anonymous deny', ['ignore', 'ignore'], 'deny', 'deny', 'password', 'bad-credentials', 2],
  ['all ignore, anonymous quick_deny', ['ignore', 'ignore'], 'quick_deny', 'ignore', 'password', 'bad-credentials', 2],
  ['username without password, all ignore', ['ignore'], 'deny', 'deny', 'username-only', 'bad-credentials', 1],
  ['anonymous client, all ignore, deny', ['ignore'], 'deny', 'deny', 'anonymous', 'not-authorized', 1],
  ['anonymous client, all ignore, allow', ['ignore'], 'allow', 'deny', 'anonymous', 'allow', 1],

  // Backend failures (a throw or a timeout) are judged by onBackendFailure.
  ['throw, failure deny', ['throw', 'allow'], 'allow', 'deny', 'password', 'server-unavailable', 1, 0],
  ['throw, failure ignore, next allows', ['throw', 'allow'], 'deny', 'ignore', 'password', 'allow', 2, 1],
  ['throw, failure ignore, next denies', ['throw', 'deny'], 'allow', 'ignore', 'password', 'bad-credentials', 2, 1],
  ['throw, failure ignore, then anonymous allow', ['throw'], 'allow', 'ignore', 'password', 'allow', 1],
  ['throw, failure ignore, then anonymous deny', ['throw', 'ignore'], 'deny', 'ignore', 'password', 'bad-credentials', 2],
  ['timeout, failure deny', ['timeout', 'allow'], 'allow', 'deny', 'password', 'server-unavailable', 1, 0],
  ['timeout, failure ignore, next allows', ['timeout', 'allow'], 'deny', 'ignore', 'password', 'allow', 2, 1],
  ['timeout then throw, failure ignore, anonymous quick_deny', ['timeout', 'throw'], 'quick_deny', 'ignore', 'password', 'bad-credentials', 2],
  ['ignore then timeout, failure deny', ['ignore', 'timeout', 'allow'], 'allow', 'deny', 'password', 'server-unavailable', 2, 1],

  // quick_deny refuses clients that present nothing before any authenticator runs…
  ['quick_deny, anonymous client, chain would allow', ['allow'], 'quick_deny', 'ignore', 'anonymous', 'not-authorized', 0],
  ['quick_deny, empty username, chain would allow', ['allow'], 'quick_deny', 'ignore', 'empty-username', 'not-authorized', 0],
  ['quick_deny, empty chain, anonymous client', [], 'quick_deny', 'deny', 'anonymous', 'not-authorized', 0],
  // …but not a client with a username, a certificate or an enhanced-auth method.
  ['quick_deny, username only', ['allow'], 'quick_deny', 'deny', 'username-only', 'allow', 1, 0],
  ['quick_deny, certificate, chain allows', ['ignore', 'allow'], 'quick_deny', 'deny', 'certificate', 'allow', 2, 1],
  ['quick_deny, certificate, all ignore', ['ignore'], 'quick_deny', 'deny', 'certificate', 'bad-credentials', 1],
  ['quick_deny, auth method, chain allows', ['allow'], 'quick_deny', 'deny', 'auth-method', 'allow', 1, 0],

  // An enhanced-auth method nobody handled is refused with 0x8C [MQTT-4.12.0-1], even when anonymous clients are allowed.
  ['auth method, all ignore, anonymous deny', ['ignore'], 'deny', 'deny', 'auth-method', 'bad-authentication-method', 1],
  ['auth method, all ignore, anonymous allow', ['ignore'], 'allow', 'ignore', 'auth-method', 'bad-authentication-method', 1],
  ['auth method, empty chain, anonymous allow', [], 'allow', 'deny', 'auth-method', 'bad-authentication-method', 0],
];

class RecordingObserver implements ChainObserver {
  readonly records: Array<[string, Outcome, number]> = [];
  record(authenticatorId: string, outcome: Outcome, latencyMs: number): void {
    this.records.push([authenticatorId, outcome, latencyMs]);
  }
}

describe.each([4, 5] as const)('runChain, MQTT protocol version %i', (protocolVersion) => {
  // The authentication method is an MQTT 5 property.
  const rows = TABLE.filter(([, , , , client]) => protocolVersion === 5 || client !== 'auth-method');

  it.each(rows)('%s', async (_name, steps, anonymous, onBackendFailure, client, expected, ran, by) => {
    const { authenticators, calls } = fakeChain(steps);
    const observer = new RecordingObserver();
    const decision = await runChain(
      { authenticators, policy: { anonymous, onBackendFailure }, observer, timeoutMs: 20 },
      credentialsOf(client, protocolVersion),
    );

    const decidedBy = by === undefined ? undefined : `a${by}`;
    if (expected === 'allow' || expected === 'allow-superuser') {
      const authenticatorType = decidedBy === undefined ? undefined : 'http';
      expect(decision).toEqual({ kind: 'allow', superuser: expected === 'allow-superuser', expiresAt: undefined, authenticatorId: decidedBy, authenticatorType });
      if (decidedBy === undefined) expect(decision).not.toHaveProperty('authenticatorId');
    } else {
      expect(decision).toMatchObject({ kind: 'deny', reason: expected, connackCode: CODES[expected][protocolVersion] });
      expect(decision.kind === 'deny' && decision.authenticatorId).toBe(decidedBy);
      expect(decision.kind === 'deny' && decision.message.length).toBeGreaterThan(0);
    }

    // Exactly the first `ran` authenticators were asked, once each, in order…
    expect(calls).toEqual(steps.slice(0, ran).map((_, i) => `a${i}`));
    // …and the observer got one record per run with its outcome.
    expect(observer.records.map(([id, outcome]) => [id, outcome])).toEqual(steps.slice(0, ran).map((step, i) => [`a${i}`, OUTCOME_OF[step]]));
    for (const [, , latencyMs] of observer.records) expect(latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('runChain with the node metrics', () => {
  it('counts every outcome per authenticator across runs', async () => {
    const metrics = new ChainMetrics();
    const { authenticators } = fakeChain(['throw', 'ignore', 'allow']);
    const run = { authenticators, policy: { anonymous: 'deny', onBackendFailure: 'ignore' } as const, observer: metrics };
    await runChain(run, credentialsOf('password', 5));
    await runChain(run, credentialsOf('password', 4));
    const counters = metrics.drain();
    expect(counters.get('a0')).toMatchObject({ total: 2, error: 2, allow: 0 });
    expect(counters.get('a1')).toMatchObject({ total: 2, ignore: 2 });
    expect(counters.get('a2')).toMatchObject({ total: 2, allow: 2, deny: 0 });
    expect(metrics.drain().size).toBe(0);
  });

  it('passes the expiry of an allow through', async () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const authenticator: Authenticator = { id: 'jwt-1', type: 'jwt', authenticate: async () => ({ kind: 'allow', expiresAt }) };
    const decision = await runChain({ authenticators: [authenticator], policy: { anonymous: 'deny', onBackendFailure: 'deny' } }, credentialsOf('password', 5));
    expect(decision).toEqual({ kind: 'allow', superuser: false, expiresAt, authenticatorId: 'jwt-1', authenticatorType: 'jwt' });
  });

  it('carries the credential an allow proved, and who allowed the client, for revocations to match', async () => {
    const credential = { kind: 'user', userId: 'alice' } as const;
    const authenticator: Authenticator = { id: 'db-1', type: 'built-in-database', authenticate: async () => ({ kind: 'allow', credential }) };
    const decision = await runChain({ authenticators: [authenticator], policy: { anonymous: 'deny', onBackendFailure: 'deny' } }, credentialsOf('password', 5));
    expect(decision).toMatchObject({ kind: 'allow', authenticatorId: 'db-1', authenticatorType: 'built-in-database', credential });
    expect(decision.kind === 'allow' && allowedBy(decision)).toEqual({ authenticatorId: 'db-1', authenticatorType: 'built-in-database', credential });
  });

  it('says nobody allowed a client the anonymous policy let in', async () => {
    const decision = await runChain({ authenticators: [], policy: { anonymous: 'allow', onBackendFailure: 'deny' } }, credentialsOf('anonymous', 5));
    expect(decision.kind === 'allow' && allowedBy(decision)).toBeUndefined();
  });
});
