import { describe, expect, it } from 'vitest';
import { type Authenticator, type ChainDecision, ChainMetrics, type ConnectCredentials, deriveScramCredential, runChain, type ScramAlgorithm, scramConfigSchema } from '@mqc/auth';
import { TestScramClient } from '@mqc/testing';
import { ScramAuthenticator, type ScramCredentialStore, type ScramUserRecord } from './scram.authenticator';

const INSTANCE = '00000000-0000-4000-8000-000000000007';

/** An in-memory store of derived keys, as the control plane writes them (never passwords). */
async function storeWith(users: Record<string, { password: string; superuser?: boolean }>, algorithm: ScramAlgorithm = 'sha256'): Promise<ScramCredentialStore & { lookups: number }> {
  const rows = new Map<string, ScramUserRecord>();
  for (const [userId, { password, superuser }] of Object.entries(users)) {
    rows.set(userId, { credential: await deriveScramCredential(password, algorithm, 4096), isSuperuser: superuser ?? false });
  }
  const store = {
    lookups: 0,
    async find(instanceId: string, userId: string, wanted: ScramAlgorithm) {
      store.lookups++;
      return instanceId === INSTANCE && wanted === algorithm ? rows.get(userId) : undefined;
    },
  };
  return store;
}

function connect(client: TestScramClient | undefined, extra: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: INSTANCE,
    clientId: 'c1',
    peerHost: '198.51.100.4',
    protocolVersion: 5,
    authenticationMethod: client?.mechanism,
    authenticationData: client?.clientFirst(),
    ...extra,
  };
}


describe('ScramAuthenticator', () => {
  it('runs the whole exchange: server-first, then allow with the server signature and the SCRAM user as identity', async () => {
    const scram = new ScramAuthenticator('s1', scramConfigSchema.parse({}), await storeWith({ alice: { password: 'pencil', superuser: true } }));
    const client = new TestScramClient('sha256', 'alice', 'pencil');
    const first = await scram.authenticate(connect(client));
    if (first.kind !== 'continue') throw new Error(`expected continue, got ${first.kind}`);
    expect(first.authenticationData.toString()).toMatch(new RegExp(`^r=${client.nonce.replace(/[+/]/g, '\\$&')}.+,s=.+,i=4096$`));
    const final = await first.exchange.next(client.clientFinal(first.authenticationData));
    expect(final).toMatchObject({ kind: 'allow', superuser: true, username: 'alice', credential: { kind: 'user', userId: 'alice' } });
    expect(client.verifyServerFinal(final.kind === 'allow' ? final.authenticationData : undefined)).toBe(true);
  });

  it('works with SCRAM-SHA-512 when so configured, and ignores SCRAM-SHA-256 then', async () => {
    const scram = new ScramAuthenticator('s1', scramConfigSchema.parse({ algorithm: 'sha512' }), await storeWith({ bob: { password: 'pw' } }, 'sha512'));
    expect(await scram.authenticate(connect(new TestScramClient('sha256', 'bob', 'pw')))).toEqual({ kind: 'ignore' });
    const client = new TestScramClient('sha512', 'bob', 'pw');
    const first = await scram.authenticate(connect(client));
    if (first.kind !== 'continue') throw new Error('expected continue');
    const final = await first.exchange.next(client.clientFinal(first.authenticationData));
    expect(final).toMatchObject({ kind: 'allow', superuser: false });
  });

  it('ignores MQTT 3.1.1 clients and clients with another method or none', async () => {
    const store = await storeWith({ alice: { password: 'pencil' } });
    const scram = new ScramAuthenticator('s1', scramConfigSchema.parse({}), store);
    const client = new TestScramClient('sha256', 'alice', 'pencil');
    expect(await scram.authenticate(connect(client, { protocolVersion: 4 }))).toEqual({ kind: 'ignore' });
    expect(await scram.authenticate(connect(client, { authenticationMethod: 'SCRAM-SHA-1' }))).toEqual({ kind: 'ignore' });
    expect(await scram.authenticate(connect(undefined, { username: 'alice', password: Buffer.from('pencil') }))).toEqual({ kind: 'ignore' });
    expect(store.lookups).toBe(0);
  });

  it('refuses a wrong proof, and answers an unknown user like a known one before refusing it', async () => {
    const scram = new ScramAuthenticator('s1', scramConfigSchema.parse({}), await storeWith({ alice: { password: 'pencil' } }));
    const wrong = new TestScramClient('sha256', 'alice', 'not-pencil');
    const first = await scram.authenticate(connect(wrong));
    if (first.kind !== 'continue') throw new Error('expected continue');
    expect(await first.exchange.next(wrong.clientFinal(first.authenticationData))).toMatchObject({ kind: 'deny', reason: 'bad-credentials', message: 'SCRAM: invalid-proof' });

    const ghost = new TestScramClient('sha256', 'ghost', 'x');
    const ghostFirst = await scram.authenticate(connect(ghost));
    const again = await scram.authenticate(connect(new TestScramClient('sha256', 'ghost', 'x')));
    if (ghostFirst.kind !== 'continue' || again.kind !== 'continue') throw new Error('expected continue');
    // The same salt each time, as a real user's would be.
    expect(ghostFirst.authenticationData.toString().split(',')[1]).toBe(again.authenticationData.toString().split(',')[1]);
    expect(await ghostFirst.exchange.next(ghost.clientFinal(ghostFirst.authenticationData))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
  });

  it('refuses a CONNECT whose user name differs from the SCRAM user, and malformed SCRAM', async () => {
    const scram = new ScramAuthenticator('s1', scramConfigSchema.parse({}), await storeWith({ alice: { password: 'pencil' } }));
    expect(await scram.authenticate(connect(new TestScramClient('sha256', 'alice', 'pencil'), { username: 'mallory' }))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
    expect(await scram.authenticate(connect(new TestScramClient('sha256', 'alice', 'pencil'), { username: 'alice' }))).toMatchObject({ kind: 'continue' });
    expect(await scram.authenticate(connect(undefined, { authenticationMethod: 'SCRAM-SHA-256', authenticationData: Buffer.from('garbage') }))).toMatchObject({ kind: 'deny', reason: 'not-authorized' });
  });
});

describe('runChain with an enhanced authentication', () => {
  async function chain(authenticators: Authenticator[], onBackendFailure: 'deny' | 'ignore' = 'deny') {
    const metrics = new ChainMetrics();
    return { metrics, run: (c: ConnectCredentials) => runChain({ authenticators, policy: { anonymous: 'deny', onBackendFailure }, observer: metrics }, c) };
  }

  it('stops at the continue, and records one outcome when the exchange ends', async () => {
    const scram = new ScramAuthenticator('scram-1', scramConfigSchema.parse({}), await storeWith({ alice: { password: 'pencil' } }));
    const { metrics, run } = await chain([scram]);
    const client = new TestScramClient('sha256', 'alice', 'pencil');
    const first: ChainDecision = await run(connect(client));
    if (first.kind !== 'continue') throw new Error('expected continue');
    expect(first.authenticatorId).toBe('scram-1');
    expect(metrics.drain().size).toBe(0);
    const final = await first.next(client.clientFinal(first.authenticationData));
    expect(final).toMatchObject({ kind: 'allow', username: 'alice', authenticatorId: 'scram-1', authenticatorType: 'scram', credential: { kind: 'user', userId: 'alice' } });
    expect(metrics.drain().get('scram-1')).toMatchObject({ total: 1, allow: 1 });
  });

  it('refuses an unsupported method with 0x8C, and lets MQTT 3.1.1 clients fall through to the rest of the chain', async () => {
    const scram = new ScramAuthenticator('scram-1', scramConfigSchema.parse({}), await storeWith({}));
    const password: Authenticator = { id: 'pw', type: 'built-in-database', authenticate: async (c) => (c.password?.toString() === 'ok' ? { kind: 'allow' } : { kind: 'ignore' }) };
    const { run } = await chain([scram, password]);
    expect(await run(connect(undefined, { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from('n,,n=a,r=b') }))).toMatchObject({ kind: 'deny', connackCode: 0x8c });
    expect(await run(connect(undefined, { protocolVersion: 4, username: 'alice', password: Buffer.from('ok') }))).toMatchObject({ kind: 'allow', authenticatorId: 'pw' });
  });

  it('judges a failure in the middle of the exchange by the backend-failure policy', async () => {
    const failing: Authenticator = {
      id: 'flaky',
      type: 'scram',
      authenticate: async () => ({ kind: 'continue', authenticationData: Buffer.from('x'), exchange: { next: () => Promise.reject(new Error('store down')) } }),
    };
    const fallback: Authenticator = { id: 'next', type: 'http', authenticate: async () => ({ kind: 'allow', superuser: false }) };
    const denying = await chain([failing, fallback], 'deny');
    const a = await denying.run(connect(undefined, { authenticationMethod: 'X' }));
    if (a.kind !== 'continue') throw new Error('expected continue');
    expect(await a.next(undefined)).toMatchObject({ kind: 'deny', reason: 'server-unavailable', connackCode: 0x88 });
    const ignoring = await chain([failing, fallback], 'ignore');
    const b = await ignoring.run(connect(undefined, { authenticationMethod: 'X' }));
    if (b.kind !== 'continue') throw new Error('expected continue');
    expect(await b.next(undefined)).toMatchObject({ kind: 'allow', authenticatorId: 'next' });
    expect(ignoring.metrics.drain().get('flaky')).toMatchObject({ error: 1 });
  });
});
