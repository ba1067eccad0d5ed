import { Client } from 'pg';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeBus, connectRedis } from '@mqc/queue';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane } from '../../apps/control-plane/src/control-plane';
import { startStack, type Stack } from '../support/stack';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { httpAuthenticatorConfig, startHttpAuthService, type HttpAuthService } from '../support/http-auth-service';
import { V311, V5, addAuthenticator, connackCode, connectFrom, setPolicy, untilConnack, whenClosed } from '../support/auth';

describe('HTTP authentication against a real local service, through the console API and real MQTT clients', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let service: HttpAuthService;
  let instance: InstanceView;
  let url: string;

  async function webhookInstance(name: string) {
    const created = await runningInstance(tenant, name, 'professional');
    const authenticatorId = await addAuthenticator(tenant, created.id, 'http', httpAuthenticatorConfig(service.url));
    await untilConnack(created.endpoints!.mqtt, { username: 'allow-probe', password: 'x' }, 0);
    return { instance: created, url: created.endpoints!.mqtt, authenticatorId };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    service = await startHttpAuthService();
    ({ instance, url } = await webhookInstance('webhook'));
  });

  afterAll(async () => {
    await service?.close();
    await stack?.close();
    await db?.drop();
  });

  it('accepts on 204, sending the rendered body template and the configured headers', async () => {
    for (const protocolVersion of [4, 5] as const) {
      const source = `127.0.${protocolVersion}.9`;
      expect(await connackCode(url, { source, protocolVersion, clientId: `c-${protocolVersion}`, username: 'allow-1', password: 'pa55' })).toBe(0);
      const request = service.seen.at(-1)!;
      expect(request.path).toBe('/mqtt/auth');
      expect(request.headers['x-api-key']).toBe('k-123');
      expect(request.body).toEqual({ clientid: `c-${protocolVersion}`, username: 'allow-1', password: 'pa55', peerhost: source });
    }
  });

  it('refuses on {"result": "deny"} with 5 / 0x87, and goes on after {"result": "ignore"} to the anonymous policy', async () => {
    expect(await connackCode(url, { protocolVersion: 4, username: 'deny-1', password: 'x' })).toBe(V311.notAuthorized);
    expect(await connackCode(url, { protocolVersion: 5, username: 'deny-1', password: 'x' })).toBe(V5.notAuthorized);
    // Nobody judged the client and the policy is deny: its credentials were not accepted.
    expect(await connackCode(url, { protocolVersion: 4, username: 'ignore-1', password: 'x' })).toBe(V311.badUsernameOrPassword);
    expect(await connackCode(url, { protocolVersion: 5, username: 'ignore-1', password: 'x' })).toBe(V5.badUsernameOrPassword);
  });

  it('under onBackendFailure deny, refuses on HTTP 500 and on an answer slower than the timeout with 3 / 0x88', async () => {
    for (const username of ['boom-1', 'slow-1']) {
      expect(await connackCode(url, { protocolVersion: 4, username, password: 'x' })).toBe(V311.serverUnavailable);
      expect(await connackCode(url, { protocolVersion: 5, username, password: 'x' })).toBe(V5.serverUnavailable);
    }
  });

  it('under onBackendFailure ignore, lets HTTP 500 and a timeout fall through to the anonymous policy (deny, then allow)', async () => {
    await setPolicy(tenant, instance.id, 'deny', 'ignore');
    await untilConnack(url, { protocolVersion: 5, username: 'boom-2', password: 'x' }, V5.badUsernameOrPassword);
    for (const username of ['boom-2', 'slow-2']) {
      expect(await connackCode(url, { protocolVersion: 4, username, password: 'x' })).toBe(V311.badUsernameOrPassword);
      expect(await connackCode(url, { protocolVersion: 5, username, password: 'x' })).toBe(V5.badUsernameOrPassword);
    }
    await setPolicy(tenant, instance.id, 'allow', 'ignore');
    await untilConnack(url, { protocolVersion: 5, username: 'boom-3', password: 'x' }, 0);
    expect(await connackCode(url, { protocolVersion: 4, username: 'slow-3', password: 'x' })).toBe(0);
    // An explicit deny still refuses: only the failure was ignored.
    expect(await connackCode(url, { protocolVersion: 5, username: 'deny-3', password: 'x' })).toBe(V5.notAuthorized);
    await setPolicy(tenant, instance.id, 'deny', 'deny');
    await untilConnack(url, { protocolVersion: 5, username: 'boom-4', password: 'x' }, V5.serverUnavailable);
  });

  it('disconnects a client at the expire_at the service answered (MQTT 5: DISCONNECT 0x87)', async () => {
    const client = await connectFrom(url, { protocolVersion: 5, username: 'brief-1', password: 'x' });
    expect((await whenClosed(client)).reasonCode).toBe(V5.notAuthorized);
  });

  it('counts allow, deny, ignore and error per authenticator, and shows them in the console', async () => {
    const metered = await webhookInstance('webhook-metered');
    for (const username of ['allow-1', 'allow-2', 'deny-1', 'ignore-1', 'boom-1']) await connackCode(metered.url, { protocolVersion: 5, username, password: 'x' });
    await eventually(async () => {
      const listed = await tenant.get<{ items: { id: string; metrics: Record<string, unknown> }[] }>(`/v1/instances/${metered.instance.id}/authenticators`);
      // allow: the two above and the login that showed the chain had reached the broker.
      expect(listed.body.items.find((a) => a.id === metered.authenticatorId)?.metrics).toMatchObject({ total: 6, allow: 3, deny: 1, ignore: 1, error: 1 });
    });
  });

  it('refuses a loopback URL at the API when the operator allows none (422 url-not-allowed)', async () => {
    // A control plane on the same database whose operator set no MQC_OUTBOUND_ALLOW.
    const strict = await startControlPlane(testConfig({ masterKey: config.masterKey }), db.url, 0);
    try {
      const created = await stack.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'strict' });
      const api = new ApiClient(strict.url, created.body.apiKey.secret);
      const target = await api.post<{ id: string }>('/v1/instances', { name: 'strict-1', edition: 'professional' });
      const refused = await api.post<{ code: string; errors: { field: string }[] }>(`/v1/instances/${target.body.id}/authenticators`, {
        type: 'http',
        config: { url: service.url },
      });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('url-not-allowed');
      expect(refused.body.errors.map((e) => e.field)).toEqual(['config.url']);
    } finally {
      await strict.close();
    }
  });

  it('checks the URL again when the broker connects: a stored URL outside the allow-list is a backend failure, and no request leaves', async () => {
    const guarded = await webhookInstance('webhook-guarded');
    const elsewhere = await startHttpAuthService('127.0.0.2');
    const redis: Redis = await connectRedis(config.redisUrl, 'auth-http-e2e');
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      // Written behind the API (which refuses this URL), then announced like any chain change.
      await sql.query(`UPDATE authenticators SET config = jsonb_set(config, '{url}', to_jsonb($2::text)) WHERE id = $1`, [guarded.authenticatorId, elsewhere.url]);
      await new ChangeBus(redis, config.redisPrefix).publish({ kind: 'chain', instanceId: guarded.instance.id });
      await untilConnack(guarded.url, { protocolVersion: 5, username: 'allow-5', password: 'x' }, V5.serverUnavailable);
      expect(await connackCode(guarded.url, { protocolVersion: 4, username: 'allow-5', password: 'x' })).toBe(V311.serverUnavailable);
      expect(elsewhere.seen).toEqual([]);
    } finally {
      await sql.end();
      await redis.quit();
      await elsewhere.close();
    }
  });
});
