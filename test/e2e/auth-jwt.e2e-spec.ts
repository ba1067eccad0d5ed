import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, type JWK, type JWTPayload } from 'jose';
import { Client } from 'pg';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeBus, connectRedis } from '@mqc/queue';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { newTenant, runningInstance } from '../support/instances';
import { V311, V5, addAuthenticator, connackCode, connectFrom, setPolicy, untilConnack, whenClosed } from '../support/auth';

const HMAC_SECRET = 'a-shared-hmac-secret-of-32-bytes!';
const now = () => Math.floor(Date.now() / 1000);

function hmacToken(claims: JWTPayload, secret = HMAC_SECRET): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(secret));
}

function rsaToken(claims: JWTPayload, key: KeyObject, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) }).setIssuedAt().setExpirationTime('1h').sign(key);
}

function rsaKeys() {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/** A JWKS endpoint whose key set the test replaces (rotation); counts the fetches. */
async function startJwksServer(): Promise<{ server: Server; url: string; keys: JWK[]; fetches: () => number }> {
  const state = { keys: [] as JWK[], fetches: 0 };
  const server = createServer((_request, response) => {
    state.fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    get keys() {
      return state.keys;
    },
    set keys(keys: JWK[]) {
      state.keys = keys;
    },
    fetches: () => state.fetches,
  };
}

async function publicJwk(key: KeyObject, kid: string): Promise<JWK> {
  return { ...(await exportJWK(key)), kid, alg: 'RS256', use: 'sig' };
}

describe('JWT authentication (HMAC, public key, JWKS), through the console API and real MQTT clients', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let redis: Redis;
  let sql: Client;
  const signer = rsaKeys();

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    jwks = await startJwksServer();
    redis = await connectRedis(config.redisUrl, 'auth-jwt-e2e');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await redis?.quit();
    await new Promise((resolve) => jwks?.server.close(resolve));
    await stack?.close();
    await db?.drop();
  });

  it('accepts an HMAC-signed token whose claims match, and refuses a wrong signature, an expired token and a claim mismatch with 4 / 0x86', async () => {
    const instance = await runningInstance(tenant, 'jwt-hmac', 'professional');
    const url = instance.endpoints!.mqtt;
    await addAuthenticator(tenant, instance.id, 'jwt', { secret: HMAC_SECRET, verifyClaims: { sub: '${clientid}' } });
    const good = await hmacToken({ sub: 'car-7', exp: now() + 3600 });
    await untilConnack(url, { clientId: 'car-7', username: 'car', password: good }, 0);
    expect(await connackCode(url, { protocolVersion: 5, clientId: 'car-7', username: 'car', password: good })).toBe(0);

    const forged = await hmacToken({ sub: 'car-7', exp: now() + 3600 }, 'another-secret-of-the-same-size!!');
    const expired = await hmacToken({ sub: 'car-7', exp: now() - 600 });
    for (const [protocolVersion, code] of [[4, V311.badUsernameOrPassword], [5, V5.badUsernameOrPassword]] as const) {
      expect(await connackCode(url, { protocolVersion, clientId: 'car-7', username: 'car', password: forged })).toBe(code);
      expect(await connackCode(url, { protocolVersion, clientId: 'car-7', username: 'car', password: expired })).toBe(code);
      // verifyClaims {"sub": "${clientid}"}: the token was issued to car-7.
      expect(await connackCode(url, { protocolVersion, clientId: 'car-8', username: 'car', password: good })).toBe(code);
    }
  });

  it('disconnects a client when its token expires (MQTT 5: DISCONNECT 0x87)', async () => {
    const instance = await runningInstance(tenant, 'jwt-expiry', 'professional');
    const url = instance.endpoints!.mqtt;
    await addAuthenticator(tenant, instance.id, 'jwt', { secret: HMAC_SECRET, clockToleranceSeconds: 0 });
    await untilConnack(url, { username: 'probe', password: await hmacToken({ exp: now() + 3600 }) }, 0);

    const shortLived = await hmacToken({ sub: 'short', exp: now() + 3 });
    const v5 = await connectFrom(url, { protocolVersion: 5, clientId: 'short-5', username: 'u', password: shortLived });
    const v311 = await connectFrom(url, { protocolVersion: 4, clientId: 'short-4', username: 'u', password: shortLived });
    const longLived = await connectFrom(url, { protocolVersion: 5, clientId: 'long', username: 'u', password: await hmacToken({ exp: now() + 3600 }) });
    const [closed5, closed4] = await Promise.all([whenClosed(v5), whenClosed(v311)]);
    expect(closed5.reasonCode).toBe(V5.notAuthorized);
    expect(closed4.reasonCode).toBeUndefined();
    expect(longLived.connected).toBe(true);
    // The same token is now refused.
    expect(await connackCode(url, { protocolVersion: 5, clientId: 'short-5', username: 'u', password: shortLived })).toBe(V5.badUsernameOrPassword);
    await longLived.endAsync();
  });

  it('verifies RS256 tokens with a PEM public key, refusing other keys and an HS256 token made with the public key text', async () => {
    const instance = await runningInstance(tenant, 'jwt-pem', 'professional');
    const url = instance.endpoints!.mqtt;
    const publicPem = signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await addAuthenticator(tenant, instance.id, 'jwt', { publicKey: publicPem });
    await untilConnack(url, { username: 'truck', password: await rsaToken({ sub: 'truck' }, signer.privateKey) }, 0);
    expect(await connackCode(url, { protocolVersion: 5, username: 'truck', password: await rsaToken({ sub: 'truck' }, signer.privateKey) })).toBe(0);

    const stranger = rsaKeys();
    expect(await connackCode(url, { protocolVersion: 4, username: 'truck', password: await rsaToken({ sub: 'truck' }, stranger.privateKey) })).toBe(V311.badUsernameOrPassword);
    // Algorithm confusion: the public key used as an HMAC secret must not verify.
    const confused = await hmacToken({ sub: 'truck', exp: now() + 3600 }, publicPem);
    expect(await connackCode(url, { protocolVersion: 5, username: 'truck', password: confused })).toBe(V5.badUsernameOrPassword);
  });

  it('fetches keys from a JWKS endpoint and, after the issuer rotates its key, accepts a token with the new kid and refuses the old one', async () => {
    const instance = await runningInstance(tenant, 'jwt-jwks', 'professional');
    const url = instance.endpoints!.mqtt;
    const first = rsaKeys();
    const second = rsaKeys();
    jwks.keys = [await publicJwk(first.publicKey, 'key-1')];
    await addAuthenticator(tenant, instance.id, 'jwt', { jwksUrl: jwks.url, refreshIntervalSeconds: 3600 });

    const oldToken = await rsaToken({ sub: 'bus' }, first.privateKey, 'key-1');
    await untilConnack(url, { username: 'bus', password: oldToken }, 0);
    expect(await connackCode(url, { protocolVersion: 5, username: 'bus', password: oldToken })).toBe(0);
    expect(jwks.fetches()).toBeGreaterThan(0);

    jwks.keys = [await publicJwk(second.publicKey, 'key-2')];
    const fetchesBefore = jwks.fetches();
    const newToken = await rsaToken({ sub: 'bus' }, second.privateKey, 'key-2');
    // An unknown kid makes the broker fetch the set again; no restart, no waiting for the interval.
    expect(await connackCode(url, { protocolVersion: 5, username: 'bus', password: newToken })).toBe(0);
    expect(jwks.fetches()).toBe(fetchesBefore + 1);
    expect(await connackCode(url, { protocolVersion: 4, username: 'bus', password: newToken })).toBe(0);
    expect(await connackCode(url, { protocolVersion: 4, username: 'bus', password: oldToken })).toBe(V311.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 5, username: 'bus', password: oldToken })).toBe(V5.badUsernameOrPassword);
  });

  it('judges an unreachable JWKS endpoint by the backend-failure policy: 3 / 0x88 under deny, on to the anonymous policy under ignore', async () => {
    const instance = await runningInstance(tenant, 'jwt-jwks-down', 'professional');
    const url = instance.endpoints!.mqtt;
    const down = await startJwksServer();
    await new Promise((resolve) => down.server.close(resolve));
    const id = await addAuthenticator(tenant, instance.id, 'jwt', { jwksUrl: down.url });
    const token = await rsaToken({ sub: 'van' }, signer.privateKey, 'key-1');
    await untilConnack(url, { protocolVersion: 5, username: 'van', password: token }, V5.serverUnavailable);
    expect(await connackCode(url, { protocolVersion: 4, username: 'van', password: token })).toBe(V311.serverUnavailable);
    await setPolicy(tenant, instance.id, 'deny', 'ignore');
    await untilConnack(url, { protocolVersion: 5, username: 'van', password: token }, V5.badUsernameOrPassword);
    await eventually(async () => {
      const view = await tenant.get<{ metrics: { error: number; allow: number } }>(`/v1/instances/${instance.id}/authenticators/${id}`);
      expect(view.body.metrics.error).toBeGreaterThanOrEqual(3);
      expect(view.body.metrics.allow).toBe(0);
    });
  });

  it('refuses a JWKS URL on an address the operator did not allow with 422 url-not-allowed', async () => {
    const instance = await runningInstance(tenant, 'jwt-guard', 'professional');
    const refused = await tenant.post<{ code: string; errors: { field: string }[] }>(`/v1/instances/${instance.id}/authenticators`, {
      type: 'jwt',
      config: { jwksUrl: jwks.url.replace('127.0.0.1', '127.0.0.2') },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('url-not-allowed');
    expect(refused.body.errors.map((e) => e.field)).toEqual(['config.jwksUrl']);
  });

  it('never runs a JWT authenticator on a basic instance, even when the row is in the database, until the instance is upgraded', async () => {
    const instance = await runningInstance(tenant, 'jwt-on-basic', 'basic');
    const url = instance.endpoints!.mqtt;
    const builtIn = await addAuthenticator(tenant, instance.id, 'built-in-database', {}, false);
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'sensor-1', password: 'pw-1' })).status).toBe(201);
    const publicPem = signer.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // What the API refuses (the edition lacks JWT), written behind its back, in one change with
    // enabling the built-in store: a user logging in shows that the broker loaded that chain.
    await sql.query('BEGIN');
    await sql.query(`INSERT INTO authenticators (instance_id, type, config, enabled, position) VALUES ($1, 'jwt', $2, true, 0)`, [instance.id, { publicKey: publicPem }]);
    await sql.query(`UPDATE authenticators SET enabled = true, position = 1 WHERE id = $1`, [builtIn]);
    await sql.query('COMMIT');
    await new ChangeBus(redis, config.redisPrefix).publish({ kind: 'chain', instanceId: instance.id });

    await untilConnack(url, { username: 'sensor-1', password: 'pw-1' }, 0);
    const token = await rsaToken({ sub: 'truck' }, signer.privateKey);
    expect(await connackCode(url, { protocolVersion: 4, username: 'truck', password: token })).toBe(V311.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 5, username: 'truck', password: token })).toBe(V5.badUsernameOrPassword);

    // The same row runs once the edition includes JWT.
    expect((await tenant.patch(`/v1/instances/${instance.id}`, { edition: 'professional' })).status).toBe(200);
    await eventually(async () => expect(await connackCode(url, { protocolVersion: 5, username: 'truck', password: token })).toBe(0));
    expect(await connackCode(url, { protocolVersion: 4, username: 'sensor-1', password: 'pw-1' })).toBe(0);
  });
});
