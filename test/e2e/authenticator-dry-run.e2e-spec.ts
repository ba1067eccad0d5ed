import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { addAuthenticator } from '../support/auth';
import { httpAuthenticatorConfig, startHttpAuthService, type HttpAuthService } from '../support/http-auth-service';
import { newTenant, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';
import { instanceCaFromDatabase, issueWithOpenssl, opensslCa, scratch, type Scratch } from '../support/x509';

interface DryRun {
  decision: 'allow' | 'deny' | 'ignore' | 'error' | 'continue';
  reason: string | null;
  superuser: boolean | null;
  expiresAt: string | null;
  acl: unknown;
  elapsedMs: number;
}

/** A JWKS endpoint serving one RSA key; counts the fetches. */
async function startJwksServer(keys: JWK[]): Promise<{ server: Server; url: string; fetches: () => number }> {
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, fetches: () => fetches };
}

describe('authenticator dry run: POST /v1/instances/{id}/authenticators/{aid}/test runs that authenticator on the broker node', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let intruder: ApiClient;
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let service: HttpAuthService;
  let instance: string;

  const dryRun = (authenticator: string, body: Record<string, unknown>, api = tenant, at = instance) => api.post<DryRun>(`/v1/instances/${at}/authenticators/${authenticator}/test`, body);
  const token = (claims: Record<string, unknown>, expiresIn = '1h') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime(expiresIn).sign(signer.privateKey);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    intruder = await newTenant(stack, 'intruder');
    jwks = await startJwksServer([{ ...(await exportJWK(signer.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }]);
    service = await startHttpAuthService();
    instance = (await runningInstance(tenant, 'dry-runs', 'professional')).id;
  });

  afterAll(async () => {
    await service?.close();
    await new Promise((resolve) => jwks?.server.close(resolve));
    await stack?.close();
    await db?.drop();
  });

  it('JWT with a JWKS: fetches the key set and answers allow with superuser, expiry and the acl claim; deny for a bad token', async () => {
    const jwt = await addAuthenticator(tenant, instance, 'jwt', { jwksUrl: jwks.url, verifyClaims: { sub: '${clientid}' }, disconnectOnExpiry: true });
    const good = await token({ sub: 'car-1', is_superuser: true, acl: [{ permission: 'allow', action: 'publish', topic: 'cars/car-1/#' }] });
    const allowed = await dryRun(jwt, { clientId: 'car-1', username: 'car', password: good });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(200);
    expect(allowed.body).toMatchObject({ decision: 'allow', superuser: true, reason: null, acl: { kind: 'acl', format: 'v2', rules: [expect.objectContaining({ topic: 'cars/car-1/#', action: 'publish' })] } });
    expect(new Date(allowed.body.expiresAt!).getTime()).toBeGreaterThan(Date.now());
    expect(jwks.fetches()).toBeGreaterThan(0);

    // The claim check uses the dry run's client id; another key's signature is refused.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ sub: 'car-1' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('1h').sign(other.privateKey);
    for (const [clientId, password] of [['car-2', good], ['car-1', forged]] as const) {
      const denied = await dryRun(jwt, { clientId, username: 'car', password });
      expect(denied.body).toMatchObject({ decision: 'deny', superuser: null, acl: null });
      expect(denied.body.reason).toEqual(expect.any(String));
    }
    // No password: not this authenticator's to judge.
    expect((await dryRun(jwt, { clientId: 'car-1', username: 'car' })).body.decision).toBe('ignore');
  });

  it('HTTP: calls the tenant service with the dry run credentials and returns its allow, deny, ignore, or its failure as error', async () => {
    const http = await addAuthenticator(tenant, instance, 'http', httpAuthenticatorConfig(service.url), false);
    const answers: Record<string, string> = {};
    for (const username of ['allow-1', 'deny-1', 'ignore-1', 'boom-1']) {
      const answer = await dryRun(http, { clientId: `meter-${username}`, username, password: 'pw', peerHost: '10.1.2.3' });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      answers[username] = answer.body.decision;
    }
    expect(answers).toEqual({ 'allow-1': 'allow', 'deny-1': 'deny', 'ignore-1': 'ignore', 'boom-1': 'error' });
    // The disabled authenticator was asked with what the dry run gave.
    expect(service.seen.map((s) => s.body)).toContainEqual({ clientid: 'meter-allow-1', username: 'allow-1', password: 'pw', peerhost: '10.1.2.3' });
  });

  it('x509: a certificate signed by the instance CA is judged by the registry and the CN; one from an untrusted CA is refused as a handshake would; nothing is registered', async () => {
    const tmp: Scratch = scratch();
    try {
      const osl = opensslCa(tmp);
      const ca = await instanceCaFromDatabase(db.url, config.masterKey, instance);
      writeFileSync(tmp.path('instance-ca.pem'), ca.certPem);
      writeFileSync(tmp.path('instance-ca.key'), ca.keyPem);
      const device = issueWithOpenssl(tmp, osl, 'cert-1', { cn: 'cert-1', issuer: 'instance-ca' });
      issueWithOpenssl(tmp, osl, 'stranger-root', { cn: 'Stranger Root', profile: 'ca' });
      const stranger = issueWithOpenssl(tmp, osl, 'stranger-1', { cn: 'cert-1', issuer: 'stranger-root' });
      const x509 = await addAuthenticator(tenant, instance, 'x509', {}, false);

      expect((await dryRun(x509, { clientId: 'cert-1', certificate: device.certPem })).body).toMatchObject({ decision: 'allow', superuser: false });
      expect((await dryRun(x509, { clientId: 'cert-2', certificate: device.certPem })).body).toMatchObject({ decision: 'deny' });
      expect((await dryRun(x509, { clientId: 'cert-1', certificate: stranger.certPem })).body).toMatchObject({ decision: 'deny', reason: expect.stringContaining('not signed by a CA this instance trusts') });
      expect((await dryRun(x509, { clientId: 'cert-1' })).body.decision).toBe('ignore');
      expect((await tenant.get<{ items: unknown[] }>(`/v1/instances/${instance}/device-certificates`)).body.items).toEqual([]);
    } finally {
      tmp.remove();
    }
  });

  it('bounds the dry runs of a tenant running at once (429 dry-run-busy)', async () => {
    const slow = await addAuthenticator(tenant, instance, 'http', { ...httpAuthenticatorConfig(service.url), timeoutMs: 5_000 }, false);
    const answers = await Promise.all([0, 1, 2, 3].map((i) => dryRun(slow, { clientId: `s-${i}`, username: `slow-${i}`, password: 'pw' })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(answers.find((a) => a.status === 429)?.body).toMatchObject({ code: 'dry-run-busy' });
    expect(answers.filter((a) => a.status === 200).map((a) => a.body.decision)).toEqual(['allow', 'allow']);
  });

  it('validates the body and answers 404 across tenants and for an unknown authenticator', async () => {
    const http = await addAuthenticator(tenant, instance, 'http', httpAuthenticatorConfig(service.url), false);
    expect((await dryRun(http, { username: 'allow-1' })).status).toBe(422);
    expect((await dryRun(http, { clientId: 'c', certificate: 'not a certificate' })).body).toMatchObject({ decision: 'deny', reason: expect.stringContaining('certificate cannot be read') });
    const foreign = await dryRun(http, { clientId: 'c', username: 'allow-1', password: 'pw' }, intruder);
    const missing = await dryRun('00000000-0000-4000-8000-000000000000', { clientId: 'c', username: 'allow-1', password: 'pw' }, intruder, '00000000-0000-4000-8000-000000000001');
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    const own = (await runningInstance(intruder, 'own', 'professional')).id;
    const through = await dryRun(http, { clientId: 'c', username: 'allow-1', password: 'pw' }, intruder, own);
    expect(through.status).toBe(404);
    expect(through.body).toMatchObject({ code: 'authenticator-not-found' });
  });
});
