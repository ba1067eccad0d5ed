import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectCredentials, jwtConfigSchema, OutboundAddressError } from '@mqc/auth';
import { JwksUnavailableError } from '../jwks/jwks-cache';
import { JwtAuthenticator, type JwtAuthenticatorOptions } from './jwt.authenticator';

const NOW_S = 1_800_000_000;
const NOW_MS = NOW_S * 1000;
const SECRET = 'a-shared-secret-of-thirty-two-by';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const ec521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed = generateKeyPairSync('ed25519');
const pem = (key: KeyObject) => key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString();

function creds(token: string | undefined, overrides: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: 'inst-1',
    clientId: 'meter-17',
    username: 'alice',
    password: token === undefined ? undefined : Buffer.from(token),
    peerHost: '203.0.113.9',
    protocolVersion: 5,
    ...overrides,
  };
}

function authn(config: Record<string, unknown>, options: JwtAuthenticatorOptions = {}): JwtAuthenticator {
  return new JwtAuthenticator('jwt-1', jwtConfigSchema.parse(config), { now: () => NOW_MS, ...options });
}

const claims = (extra: JWTPayload = {}): JWTPayload => ({ sub: 'meter-17', iat: NOW_S - 10, exp: NOW_S + 3600, ...extra });

async function joseToken(alg: string, key: KeyObject | Uint8Array, payload: JWTPayload = claims(), header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, ...header }).sign(key);
}

// Tokens signed by openssl, not by jose: the header and payload are built here, the signature
// comes from the CLI, so a verifier that only agrees with its own signer would be caught.
const work = mkdtempSync(join(tmpdir(), 'mqc-jwt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function keyFile(name: string, key: KeyObject): string {
  const path = join(work, name);
  writeFileSync(path, pem(key));
  return path;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function signingInput(alg: string, payload: JWTPayload, kid?: string): string {
  return `${b64url(JSON.stringify({ alg, typ: 'JWT', ...(kid ? { kid } : {}) }))}.${b64url(JSON.stringify(payload))}`;
}

/** DER ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to JOSE's fixed-size r||s. */
function derToJose(der: Buffer, size: number): Buffer {
  let offset = 0;
  const readLength = (): number => {
    const first = der[offset++]!;
    if (first < 0x80) return first;
    let length = 0;
    for (let n = first & 0x7f; n > 0; n--) length = (length << 8) | der[offset++]!;
    return length;
  };
  expect(der[offset++]).toBe(0x30);
  readLength();
  const integer = (): Buffer => {
    expect(der[offset++]).toBe(0x02);
    const length = readLength();
    let value = der.subarray(offset, offset + length);
    offset += length;
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    expect(value.length).toBeLessThanOrEqual(size);
    return Buffer.concat([Buffer.alloc(size - value.length), value]);
  };
  return Buffer.concat([integer(), integer()]);
}

function opensslToken(alg: 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA' | 'HS256', key: KeyObject | string, payload: JWTPayload = claims()): string {
  const input = signingInput(alg, payload);
  let signature: Buffer;
  switch (alg) {
    case 'HS256':
      signature = execFileSync('openssl', ['dgst', '-sha256', '-hmac', key as string, '-binary'], { input });
      break;
    case 'RS256':
      signature = execFileSync('openssl', ['dgst', '-sha256', '-sign', keyFile('rsa.pem', key as KeyObject), '-binary'], { input });
      break;
    case 'PS256':
      signature = execFileSync(
        'openssl',
        ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-sign', keyFile('rsa-pss.pem', key as KeyObject), '-binary'],
        { input },
      );
      break;
    case 'ES256':
      signature = derToJose(execFileSync('openssl', ['dgst', '-sha256', '-sign', keyFile('ec256.pem', key as KeyObject), '-binary'], { input }), 32);
      break;
    case 'ES384':
      signature = derToJose(execFileSync('openssl', ['dgst', '-sha384', '-sign', keyFile('ec384.pem', key as KeyObject), '-binary'], { input }), 48);
      break;
    case 'EdDSA': {
      const data = join(work, 'ed-input');
      writeFileSync(data, input);
      signature = execFileSync('openssl', ['pkeyutl', '-sign', '-rawin', '-inkey', keyFile('ed.pem', key as KeyObject), '-in', data]);
      break;
    }
  }
  return `${input}.${b64url(signature)}`;
}

describe('JwtAuthenticator: keys and algorithms', () => {
  it.each([
    ['HS256', { secret: SECRET }, () => Buffer.from(SECRET)],
    ['HS384', { secret: SECRET }, () => Buffer.from(SECRET)],
    ['HS512', { secret: SECRET }, () => Buffer.from(SECRET)],
    ['RS256', { publicKey: pem(rsa.publicKey) }, () => rsa.privateKey],
    ['RS384', { publicKey: pem(rsa.publicKey) }, () => rsa.privateKey],
    ['RS512', { publicKey: pem(rsa.publicKey) }, () => rsa.privateKey],
    ['PS256', { publicKey: pem(rsa.publicKey) }, () => rsa.privateKey],
    ['PS384', { publicKey: pem(rsa.publicKey) }, () => rsa.privateKey],
    ['PS512', { publicKey: pem(rsa.publicKey) }, () => rsa.privateKey],
    ['ES256', { publicKey: pem(ec256.publicKey) }, () => ec256.privateKey],
    ['ES384', { publicKey: pem(ec384.publicKey) }, () => ec384.privateKey],
    ['ES512', { publicKey: pem(ec521.publicKey) }, () => ec521.privateKey],
    ['EdDSA', { publicKey: pem(ed.publicKey) }, () => ed.privateKey],
  ] as const)('accepts a jose-signed %s token', async (alg, config, signingKey) => {
    const token = await joseToken(alg, signingKey());
    expect(await authn(config).authenticate(creds(token))).toEqual({ kind: 'allow', superuser: false, expiresAt: new Date((NOW_S + 3600) * 1000) });
  });

  it.each([
    ['RS256', { publicKey: pem(rsa.publicKey) }, rsa.privateKey],
    ['PS256', { publicKey: pem(rsa.publicKey) }, rsa.privateKey],
    ['ES256', { publicKey: pem(ec256.publicKey) }, ec256.privateKey],
    ['ES384', { publicKey: pem(ec384.publicKey) }, ec384.privateKey],
    ['EdDSA', { publicKey: pem(ed.publicKey) }, ed.privateKey],
    ['HS256', { secret: SECRET }, SECRET],
  ] as const)('accepts an openssl-signed %s token', async (alg, config, key) => {
    expect((await authn(config).authenticate(creds(opensslToken(alg, key)))).kind).toBe('allow');
  });

  it('reads a base64 secret when secretBase64Encoded is set (the decoded bytes are the key)', async () => {
    const raw = Buffer.from('00ff10e7a1b2c3d4e5f60718293a4b5c', 'hex');
    const josed = await joseToken('HS256', raw);
    expect((await authn({ secret: raw.toString('base64'), secretBase64Encoded: true }).authenticate(creds(josed))).kind).toBe('allow');
    expect((await authn({ secret: raw.toString('base64') }).authenticate(creds(josed))).kind).toBe('deny');
    const opensslSigned = opensslToken('HS256', 'text secret');
    expect((await authn({ secret: Buffer.from('text secret').toString('base64'), secretBase64Encoded: true }).authenticate(creds(opensslSigned))).kind).toBe('allow');
  });

  it('accepts a certificate in place of a PEM public key', async () => {
    const dir = mkdtempSync(join(work, 'cert-'));
    const keyPath = join(dir, 'key.pem');
    writeFileSync(keyPath, pem(ec256.privateKey));
    const certificate = execFileSync('openssl', ['req', '-new', '-x509', '-key', keyPath, '-subj', '/CN=issuer', '-days', '1']).toString();
    const token = await joseToken('ES256', ec256.privateKey);
    expect((await authn({ publicKey: certificate }).authenticate(creds(token))).kind).toBe('allow');
  });

  it('refuses alg none, even with a valid-looking payload', async () => {
    const unsigned = `${signingInput('none', claims())}.`;
    expect(await authn({ secret: SECRET }).authenticate(creds(unsigned))).toMatchObject({ kind: 'deny', reason: 'bad-credentials', message: expect.stringMatching(/alg none/) });
    expect(await authn({ publicKey: pem(rsa.publicKey) }).authenticate(creds(unsigned))).toMatchObject({ kind: 'deny' });
  });

  it('refuses an HS256 token signed with the public key text when an RSA key is configured (algorithm confusion)', async () => {
    const publicPem = pem(rsa.publicKey);
    const forged = opensslToken('HS256', publicPem);
    expect(await authn({ publicKey: publicPem }).authenticate(creds(forged))).toMatchObject({
      kind: 'deny',
      reason: 'bad-credentials',
      message: expect.stringMatching(/algorithm HS256 not allowed/),
    });
  });

  it('accepts only the algorithm the key type allows', async () => {
    const es = await joseToken('ES256', ec256.privateKey);
    expect(await authn({ publicKey: pem(rsa.publicKey) }).authenticate(creds(es))).toMatchObject({ kind: 'deny', message: expect.stringMatching(/ES256 not allowed/) });
    const rs = await joseToken('RS256', rsa.privateKey);
    expect(await authn({ publicKey: pem(ec256.publicKey) }).authenticate(creds(rs))).toMatchObject({ kind: 'deny', message: expect.stringMatching(/RS256 not allowed/) });
    const es384 = await joseToken('ES384', ec384.privateKey);
    expect(await authn({ publicKey: pem(ec256.publicKey) }).authenticate(creds(es384))).toMatchObject({ kind: 'deny' });
  });

  it('denies a bad signature and a tampered payload', async () => {
    const token = await joseToken('RS256', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect(await authn({ publicKey: pem(rsa.publicKey) }).authenticate(creds(token))).toEqual({ kind: 'deny', reason: 'bad-credentials', message: 'bad token signature' });
    const [h, , s] = (await joseToken('HS256', Buffer.from(SECRET))).split('.');
    const tampered = `${h}.${b64url(JSON.stringify(claims({ is_superuser: true })))}.${s}`;
    expect(await authn({ secret: SECRET }).authenticate(creds(tampered))).toMatchObject({ kind: 'deny', message: 'bad token signature' });
  });
});

describe('JwtAuthenticator: where the token is', () => {
  const hs = () => joseToken('HS256', Buffer.from(SECRET));

  it('ignores a client without a token: no password, an empty password', async () => {
    const a = authn({ secret: SECRET });
    expect(await a.authenticate(creds(undefined))).toEqual({ kind: 'ignore' });
    expect(await a.authenticate(creds(''))).toEqual({ kind: 'ignore' });
  });

  it('ignores a password that is not a JWT', async () => {
    const a = authn({ secret: SECRET });
    for (const password of ['hunter2', 'a.b', 'a.b.c.d', 'eyJ!.eyJ.sig', `${b64url('not json')}.${b64url('{}')}.x`, `${b64url('[1]')}.${b64url('{}')}.x`]) {
      expect(await a.authenticate(creds(password))).toEqual({ kind: 'ignore' });
    }
  });

  it('reads the token from the username when from is username', async () => {
    const token = await hs();
    const a = authn({ secret: SECRET, from: 'username' });
    expect((await a.authenticate(creds('ignored-password', { username: token }))).kind).toBe('allow');
    expect(await a.authenticate(creds(token, { username: undefined }))).toEqual({ kind: 'ignore' });
  });
});

describe('JwtAuthenticator: exp, nbf and iat with clock tolerance', () => {
  const hs = (payload: JWTPayload) => joseToken('HS256', Buffer.from(SECRET), payload);
  const result = async (payload: JWTPayload, config: Record<string, unknown> = {}) => authn({ secret: SECRET, ...config }).authenticate(creds(await hs(payload)));

  it('denies a token expired beyond the tolerance, accepts one within it', async () => {
    expect(await result({ exp: NOW_S - 31 })).toMatchObject({ kind: 'deny', reason: 'bad-credentials', message: expect.stringMatching(/expired/) });
    expect(await result({ exp: NOW_S - 29 })).toMatchObject({ kind: 'allow' });
    expect(await result({ exp: NOW_S - 1 }, { clockToleranceSeconds: 0 })).toMatchObject({ kind: 'deny' });
    expect(await result({ exp: NOW_S + 1 }, { clockToleranceSeconds: 0 })).toMatchObject({ kind: 'allow' });
  });

  it('denies a token not valid yet beyond the tolerance', async () => {
    expect(await result({ nbf: NOW_S + 31 })).toMatchObject({ kind: 'deny', message: expect.stringMatching(/not valid yet/) });
    expect(await result({ nbf: NOW_S + 29 })).toMatchObject({ kind: 'allow' });
  });

  it('denies a token issued in the future beyond the tolerance', async () => {
    expect(await result({ iat: NOW_S + 31 })).toMatchObject({ kind: 'deny', message: expect.stringMatching(/issued in the future/) });
    expect(await result({ iat: NOW_S + 29 })).toMatchObject({ kind: 'allow' });
    expect(await result({ iat: 'yesterday' as unknown as number })).toMatchObject({ kind: 'deny', message: expect.stringMatching(/iat/) });
  });

  it('accepts a token without exp (EMQX semantics): no expiry to disconnect at', async () => {
    expect(await result({ sub: 'x' })).toEqual({ kind: 'allow', superuser: false });
  });

  it('carries exp as expiresAt only when disconnectOnExpiry', async () => {
    expect(await result({ exp: NOW_S + 60 })).toEqual({ kind: 'allow', superuser: false, expiresAt: new Date((NOW_S + 60) * 1000) });
    expect(await result({ exp: NOW_S + 60 }, { disconnectOnExpiry: false })).toEqual({ kind: 'allow', superuser: false });
  });
});

describe('JwtAuthenticator: the acl claim (issue 13)', () => {
  const hs = (payload: JWTPayload) => joseToken('HS256', Buffer.from(SECRET), payload);
  const result = async (payload: JWTPayload, config: Record<string, unknown> = {}) => authn({ secret: SECRET, ...config }).authenticate(creds(await hs(payload)));
  it('carries the acl claim parsed, in both EMQX formats, from `acl` or the configured aclClaim', async () => {
    const v2 = [{ permission: 'allow', action: 'subscribe', topic: 'a/${clientid}' }];
    expect(await result({ acl: v2 })).toMatchObject({ kind: 'allow', acl: { kind: 'acl', format: 'v2', rules: [{ id: 'acl[0]', topic: 'a/${clientid}' }] } });
    expect(await result({ acl: { pub: ['p/#'] } })).toMatchObject({ kind: 'allow', acl: { kind: 'acl', format: 'v1', onNoMatch: 'deny' } });
    expect(await result({ rights: { sub: ['s/#'] } }, { aclClaim: 'rights' })).toMatchObject({ kind: 'allow', acl: { kind: 'acl', format: 'v1' } });
    expect(await result({ acl: { sub: ['s/#'] } }, { aclClaim: 'rights' })).toEqual({ kind: 'allow', superuser: false });
  });

  it('a malformed claim still allows the client, with the reason (the broker gives it no rules from the claim)', async () => {
    expect(await result({ acl: [{ permission: 'perhaps', action: 'all', topic: '#' }] })).toMatchObject({ kind: 'allow', acl: { kind: 'malformed', reason: expect.stringMatching(/acl\[0\]/) } });
  });
});

describe('JwtAuthenticator: verifyClaims and the superuser claim', () => {
  const check = async (payload: JWTPayload, verifyClaims: Record<string, unknown>, client: Partial<ConnectCredentials> = {}) =>
    authn({ secret: SECRET, verifyClaims }).authenticate(creds(await joseToken('HS256', Buffer.from(SECRET), payload), client));

  it('compares literal values with their JSON type', async () => {
    expect((await check({ iss: 'acme', tier: 3, beta: true }, { iss: 'acme', tier: 3, beta: true })).kind).toBe('allow');
    expect(await check({ iss: 'other' }, { iss: 'acme' })).toMatchObject({ kind: 'deny', reason: 'bad-credentials', message: 'claim iss is "other", expected "acme"' });
    expect((await check({ tier: '3' }, { tier: 3 })).kind).toBe('deny');
    expect((await check({ beta: 'true' }, { beta: true })).kind).toBe('deny');
  });

  it('renders placeholders from the connecting client', async () => {
    const cert = { commonName: 'meter-17', subject: 'CN=meter-17,O=Acme', serialNumber: '01', fingerprint256: 'AA' };
    const verify = { sub: '${clientid}', name: '${username}', ip: '${peerhost}', cn: '${cert_common_name}', dn: '${cert_subject}', tenant: 'inst:${instance_id}' };
    const payload = { sub: 'meter-17', name: 'alice', ip: '203.0.113.9', cn: 'meter-17', dn: 'CN=meter-17,O=Acme', tenant: 'inst:inst-1' };
    expect((await check(payload, verify, { certificate: cert })).kind).toBe('allow');
    expect(await check({ sub: 'meter-18' }, { sub: '${clientid}' })).toMatchObject({ kind: 'deny', message: 'claim sub is "meter-18", expected "meter-17"' });
  });

  it('never matches a placeholder the client did not present', async () => {
    expect(await check({ cn: '' }, { cn: '${cert_common_name}' })).toMatchObject({ kind: 'deny', message: expect.stringMatching(/presented no value/) });
    expect((await check({ name: '' }, { name: '${username}' }, { username: undefined })).kind).toBe('deny');
  });

  it('matches an array claim when one element equals the expected value (EMQX)', async () => {
    expect((await check({ aud: ['mqtt', 'api'] }, { aud: 'mqtt' })).kind).toBe('allow');
    expect((await check({ groups: ['a', 'meter-17'] }, { groups: '${clientid}' })).kind).toBe('allow');
    expect(await check({ aud: ['api', 'web'] }, { aud: 'mqtt' })).toMatchObject({ kind: 'deny', message: 'claim aud is ["api","web"], expected "mqtt"' });
    expect((await check({ aud: [] }, { aud: 'mqtt' })).kind).toBe('deny');
  });

  it('matches any of an array of expected values', async () => {
    expect((await check({ role: 'reader' }, { role: ['writer', 'reader'] })).kind).toBe('allow');
    expect((await check({ role: ['x', 'writer'] }, { role: ['writer', 'reader'] })).kind).toBe('allow');
    expect((await check({ role: 'admin' }, { role: ['writer', 'reader'] })).kind).toBe('deny');
  });

  it('denies a missing claim', async () => {
    expect(await check({}, { sub: '${clientid}' })).toMatchObject({ kind: 'deny', message: 'claim sub missing' });
  });

  it('makes the client a superuser by is_superuser or the configured claim', async () => {
    const hs = (payload: JWTPayload) => joseToken('HS256', Buffer.from(SECRET), claims(payload));
    expect(await authn({ secret: SECRET }).authenticate(creds(await hs({ is_superuser: true })))).toMatchObject({ kind: 'allow', superuser: true });
    expect(await authn({ secret: SECRET }).authenticate(creds(await hs({ is_superuser: false })))).toMatchObject({ kind: 'allow', superuser: false });
    expect(await authn({ secret: SECRET }).authenticate(creds(await hs({ is_superuser: 'yes' })))).toMatchObject({ kind: 'allow', superuser: false });
    const custom = authn({ secret: SECRET, superuserClaim: 'admin' });
    expect(await custom.authenticate(creds(await hs({ admin: 'true' })))).toMatchObject({ kind: 'allow', superuser: true });
    expect(await custom.authenticate(creds(await hs({ is_superuser: true })))).toMatchObject({ kind: 'allow', superuser: false });
  });
});

/** A real JWKS endpoint on 127.0.0.1 that counts the requests it serves. */
class JwksServer {
  requests = 0;
  status = 200;
  body: unknown = { keys: [] };
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      this.requests++;
      res.writeHead(this.status, { 'content-type': 'application/json' });
      res.end(typeof this.body === 'string' ? this.body : JSON.stringify(this.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const jwk = (key: KeyObject, kid: string, alg: string): JWK => ({ ...(key.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' });

describe('JwtAuthenticator: JWKS endpoint', () => {
  const k1 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const k2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let server: JwksServer;
  let clock = NOW_MS;
  const opened: JwtAuthenticator[] = [];

  beforeAll(async () => {
    server = await new JwksServer().start();
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((a) => a.close()));
  });

  function jwks(options: JwtAuthenticatorOptions = {}, config: Record<string, unknown> = {}): JwtAuthenticator {
    clock = NOW_MS;
    server.requests = 0;
    server.status = 200;
    server.body = { keys: [jwk(k1.publicKey, 'k1', 'RS256')] };
    const a = authn({ jwksUrl: server.url, ...config }, { outboundAllowList: ['127.0.0.1'], now: () => clock, ...options });
    opened.push(a);
    return a;
  }
  const token = (kid: string, key: KeyObject, alg: string) => joseToken(alg, key, claims(), { kid });

  it('verifies with a fetched key and caches the set', async () => {
    const a = jwks();
    for (let i = 0; i < 3; i++) expect((await a.authenticate(creds(await token('k1', k1.privateKey, 'RS256')))).kind).toBe('allow');
    expect(server.requests).toBe(1);
  });

  it('fetches again when a token names a new kid (key rotation), once', async () => {
    const a = jwks();
    expect((await a.authenticate(creds(await token('k1', k1.privateKey, 'RS256')))).kind).toBe('allow');
    server.body = { keys: [jwk(k1.publicKey, 'k1', 'RS256'), jwk(k2.publicKey, 'k2', 'ES256')] };
    expect((await a.authenticate(creds(await token('k2', k2.privateKey, 'ES256')))).kind).toBe('allow');
    expect((await a.authenticate(creds(await token('k2', k2.privateKey, 'ES256')))).kind).toBe('allow');
    expect(server.requests).toBe(2);
  });

  it('rate-limits unknown-kid fetches: a flood costs one request per window', async () => {
    const a = jwks({ jwks: { unknownKidCooldownSeconds: 30 } });
    expect((await a.authenticate(creds(await token('k1', k1.privateKey, 'RS256')))).kind).toBe('allow');
    const flood = await Promise.all(Array.from({ length: 25 }, async (_, i) => a.authenticate(creds(await token(`made-up-${i}`, k1.privateKey, 'RS256')))));
    expect(flood.every((r) => r.kind === 'deny')).toBe(true);
    expect(flood[0]).toMatchObject({ reason: 'bad-credentials', message: expect.stringMatching(/no key in the JWKS/) });
    expect(server.requests).toBe(2);
    clock += 29_000;
    await a.authenticate(creds(await token('made-up-again', k1.privateKey, 'RS256')));
    expect(server.requests).toBe(2);
    clock += 2_000;
    await a.authenticate(creds(await token('made-up-later', k1.privateKey, 'RS256')));
    expect(server.requests).toBe(3);
  });

  it('refreshes after refreshIntervalSeconds, so a removed key stops working', async () => {
    const a = jwks({}, { refreshIntervalSeconds: 60 });
    const old = await token('k1', k1.privateKey, 'RS256');
    expect((await a.authenticate(creds(old))).kind).toBe('allow');
    server.body = { keys: [jwk(k2.publicKey, 'k2', 'ES256')] };
    clock += 59_000;
    expect((await a.authenticate(creds(old))).kind).toBe('allow');
    expect(server.requests).toBe(1);
    clock += 2_000;
    expect(await a.authenticate(creds(old))).toMatchObject({ kind: 'deny', message: expect.stringMatching(/no key in the JWKS/) });
    // The interval refresh, then the unknown-kid retry; later tries are within its cooldown.
    expect(server.requests).toBe(3);
    expect((await a.authenticate(creds(old))).kind).toBe('deny');
    expect(server.requests).toBe(3);
  });

  it('keeps using the cached keys when a refresh fails, and backs off', async () => {
    const stale: unknown[] = [];
    const a = jwks({ jwks: { onStaleRefreshError: (e) => stale.push(e) } }, { refreshIntervalSeconds: 60 });
    const t = await token('k1', k1.privateKey, 'RS256');
    expect((await a.authenticate(creds(t))).kind).toBe('allow');
    server.status = 500;
    clock += 61_000;
    expect((await a.authenticate(creds(t))).kind).toBe('allow');
    expect((await a.authenticate(creds(t))).kind).toBe('allow');
    expect(server.requests).toBe(2);
    expect(stale).toHaveLength(1);
    expect(stale[0]).toBeInstanceOf(JwksUnavailableError);
  });

  it('throws when no key set could ever be fetched (backend-failure policy)', async () => {
    const a = jwks();
    server.status = 503;
    await expect(a.authenticate(creds(await token('k1', k1.privateKey, 'RS256')))).rejects.toThrow(/HTTP 503/);
    server.status = 200;
    server.body = '{"keys": not json';
    clock += 10_000;
    await expect(a.authenticate(creds(await token('k1', k1.privateKey, 'RS256')))).rejects.toBeInstanceOf(JwksUnavailableError);
  });

  it('refuses HS tokens against a JWKS and ignores symmetric keys in it', async () => {
    const a = jwks();
    server.body = { keys: [{ kty: 'oct', k: b64url(SECRET), kid: 'k1', alg: 'HS256' }] };
    expect(await a.authenticate(creds(await joseToken('HS256', Buffer.from(SECRET), claims(), { kid: 'k1' })))).toMatchObject({
      kind: 'deny',
      message: expect.stringMatching(/HS256 not allowed/),
    });
  });

  it('refuses a loopback JWKS URL when the operator did not allow it, before any request', async () => {
    const a = jwks({ outboundAllowList: [] });
    const error = await a.authenticate(creds(await token('k1', k1.privateKey, 'RS256'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as JwksUnavailableError).cause).toBeInstanceOf(OutboundAddressError);
    expect((error as Error).message).toMatch(/loopback/);
    expect(server.requests).toBe(0);
  });
});
