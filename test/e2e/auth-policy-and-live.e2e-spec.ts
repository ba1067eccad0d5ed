import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { httpAuthenticatorConfig, startHttpAuthService, type HttpAuthService } from '../support/http-auth-service';
import { V311, V5, addAuthenticator, connackCode, connectFrom, setPolicy, untilConnack, whenClosed } from '../support/auth';

/** Both protocol versions with the code each gets for the same refusal. */
const BAD_CREDENTIALS = [[4, V311.badUsernameOrPassword], [5, V5.badUsernameOrPassword]] as const;
const NOT_AUTHORIZED = [[4, V311.notAuthorized], [5, V5.notAuthorized]] as const;

describe('access policy, chain order and live changes, through the console API and real MQTT clients', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let service: HttpAuthService;
  let instance: InstanceView;
  let url: string;
  let builtIn: string;
  let http: string;

  const authenticators = (path = '') => `/v1/instances/${instance.id}/authenticators${path}`;
  const users = (path = '') => `/v1/instances/${instance.id}/users${path}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    service = await startHttpAuthService();
    instance = await runningInstance(tenant, 'chain', 'professional');
    url = instance.endpoints!.mqtt;
    // The chain: the built-in store, then the tenant's HTTP service.
    builtIn = await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    http = await addAuthenticator(tenant, instance.id, 'http', httpAuthenticatorConfig(service.url));
    // deny-dual is a built-in user whom the HTTP service would refuse.
    expect((await tenant.post(users(), { userId: 'deny-dual', password: 'pw-dual' })).status).toBe(201);
    await untilConnack(url, { username: 'allow-probe', password: 'x' }, 0);
  });

  afterAll(async () => {
    await service?.close();
    await stack?.close();
    await db?.drop();
  });

  it('anonymous deny (the default): a client nobody judged is refused, 5 / 0x87 without credentials and 4 / 0x86 with them', async () => {
    for (const [protocolVersion, code] of NOT_AUTHORIZED) expect(await connackCode(url, { protocolVersion, clientId: 'ignore-anon' })).toBe(code);
    for (const [protocolVersion, code] of BAD_CREDENTIALS) expect(await connackCode(url, { protocolVersion, username: 'ignore-user', password: 'x' })).toBe(code);
    // The chain still runs for a client without a username: the HTTP service may accept it by client id.
    expect(await connackCode(url, { protocolVersion: 5, clientId: 'allow-anon' })).toBe(0);
  });

  it('anonymous allow: a client nobody judged is accepted, a deny still refuses', async () => {
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    await untilConnack(url, { protocolVersion: 5, clientId: 'ignore-anon' }, 0);
    for (const protocolVersion of [4, 5] as const) {
      expect(await connackCode(url, { protocolVersion, clientId: 'ignore-anon' })).toBe(0);
      expect(await connackCode(url, { protocolVersion, username: 'ignore-user', password: 'x' })).toBe(0);
    }
    for (const [protocolVersion, code] of NOT_AUTHORIZED) expect(await connackCode(url, { protocolVersion, username: 'deny-x', password: 'x' })).toBe(code);
    for (const [protocolVersion, code] of BAD_CREDENTIALS) expect(await connackCode(url, { protocolVersion, username: 'deny-dual', password: 'wrong' })).toBe(code);
  });

  it('anonymous quick_deny: a client without a username is refused before any authenticator runs; others go through the chain', async () => {
    await setPolicy(tenant, instance.id, 'quick_deny', 'deny');
    await untilConnack(url, { protocolVersion: 5, clientId: 'allow-anon' }, V5.notAuthorized);
    const asked = service.seen.length;
    for (const [protocolVersion, code] of NOT_AUTHORIZED) expect(await connackCode(url, { protocolVersion, clientId: 'allow-anon' })).toBe(code);
    expect(service.seen.length).toBe(asked);
    expect(await connackCode(url, { protocolVersion: 4, username: 'allow-user', password: 'x' })).toBe(0);
    for (const [protocolVersion, code] of BAD_CREDENTIALS) expect(await connackCode(url, { protocolVersion, username: 'ignore-user', password: 'x' })).toBe(code);
    await setPolicy(tenant, instance.id, 'deny', 'deny');
    await untilConnack(url, { protocolVersion: 5, clientId: 'allow-anon' }, 0);
  });

  it('follows the chain order: the same client is accepted or refused depending on which authenticator judges first', async () => {
    const dual = { username: 'deny-dual', password: 'pw-dual' };
    expect(await connackCode(url, { ...dual, protocolVersion: 4 })).toBe(0);
    const reordered = await tenant.put<{ items: { id: string }[] }>(authenticators('/order'), { ids: [http, builtIn] });
    expect(reordered.status).toBe(200);
    expect(reordered.body.items.map((a) => a.id)).toEqual([http, builtIn]);
    await untilConnack(url, { ...dual, protocolVersion: 5 }, V5.notAuthorized);
    expect(await connackCode(url, { ...dual, protocolVersion: 4 })).toBe(V311.notAuthorized);
    expect((await tenant.put(authenticators('/order'), { ids: [builtIn, http] })).status).toBe(200);
    await untilConnack(url, { ...dual, protocolVersion: 5 }, 0);
  });

  it('applies an authenticator\'s new configuration and its disabling to new connections, without restart', async () => {
    await untilConnack(url, { username: 'allow-cfg', password: 'x' }, 0);
    const patched = await tenant.patch(authenticators(`/${http}`), { config: httpAuthenticatorConfig(`${service.url}?force=deny`) });
    expect(patched.status).toBe(200);
    await untilConnack(url, { protocolVersion: 5, username: 'allow-cfg', password: 'x' }, V5.notAuthorized);
    expect(service.seen.at(-1)!.path).toBe('/mqtt/auth?force=deny');
    expect((await tenant.patch(authenticators(`/${http}`), { config: httpAuthenticatorConfig(service.url) })).status).toBe(200);
    await untilConnack(url, { protocolVersion: 4, username: 'allow-cfg', password: 'x' }, 0);

    // Disabled, the built-in store no longer judges deny-dual: the HTTP service refuses it.
    expect((await tenant.patch(authenticators(`/${builtIn}`), { enabled: false })).status).toBe(200);
    await untilConnack(url, { protocolVersion: 5, username: 'deny-dual', password: 'pw-dual' }, V5.notAuthorized);
    expect((await tenant.patch(authenticators(`/${builtIn}`), { enabled: true })).status).toBe(200);
    await untilConnack(url, { protocolVersion: 5, username: 'deny-dual', password: 'pw-dual' }, 0);
  });

  it('lets a CONNECT that is being judged finish with the chain it started with when the chain changes meanwhile', async () => {
    const patient = { ...httpAuthenticatorConfig(service.url), timeoutMs: 5_000 };
    expect((await tenant.patch(authenticators(`/${http}`), { config: patient })).status).toBe(200);
    await untilConnack(url, { protocolVersion: 5, username: 'slow-probe', password: 'x' }, 0, 20_000);

    const judged = connackCode(url, { protocolVersion: 5, username: 'slow-inflight', password: 'x' });
    await eventually(() => expect(service.seen.some((r) => r.body['username'] === 'slow-inflight')).toBe(true));
    await setPolicy(tenant, instance.id, 'deny', 'ignore');
    // The old chain's HTTP client is closed while its request waits for the service's answer.
    expect(await judged).toBe(0);
    await setPolicy(tenant, instance.id, 'deny', 'deny');
    expect((await tenant.patch(authenticators(`/${http}`), { config: httpAuthenticatorConfig(service.url) })).status).toBe(200);
    await untilConnack(url, { protocolVersion: 5, username: 'slow-probe', password: 'x' }, V5.serverUnavailable);
  });

  it('repairs a lost change event on the periodic resync: a policy changed in the database alone still reaches the broker', async () => {
    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    try {
      expect(await connackCode(url, { protocolVersion: 5, clientId: 'ignore-anon' })).toBe(V5.notAuthorized);
      // As if the change event had been lost (a Redis blip): the row changes, nobody is told.
      await sql.query(`UPDATE instances SET anonymous_policy = 'allow' WHERE id = $1`, [instance.id]);
      await untilConnack(url, { protocolVersion: 5, clientId: 'ignore-anon' }, 0, 30_000);
    } finally {
      await sql.end();
    }
    await setPolicy(tenant, instance.id, 'deny', 'deny');
    await untilConnack(url, { protocolVersion: 5, clientId: 'ignore-anon' }, V5.notAuthorized);
  });

  it('accepts a new user at once, and disconnects the clients of a user whose password changes or who is deleted', async () => {
    expect((await tenant.post(users(), { userId: 'sensor-9', password: 'first' })).status).toBe(201);
    await untilConnack(url, { username: 'sensor-9', password: 'first' }, 0);

    const v5 = await connectFrom(url, { protocolVersion: 5, clientId: 's9-a', username: 'sensor-9', password: 'first' });
    const v311 = await connectFrom(url, { protocolVersion: 4, clientId: 's9-b', username: 'sensor-9', password: 'first' });
    const bystander = await connectFrom(url, { protocolVersion: 5, clientId: 'dual', username: 'deny-dual', password: 'pw-dual' });
    const closed = Promise.all([whenClosed(v5), whenClosed(v311)]);
    expect((await tenant.patch(users('/sensor-9'), { password: 'second' })).status).toBe(200);
    const [closed5] = await closed;
    expect(closed5.reasonCode).toBe(V5.notAuthorized);
    for (const [protocolVersion, code] of BAD_CREDENTIALS) expect(await connackCode(url, { protocolVersion, username: 'sensor-9', password: 'first' })).toBe(code);

    const again = await connectFrom(url, { protocolVersion: 5, clientId: 's9-c', username: 'sensor-9', password: 'second' });
    const gone = whenClosed(again);
    expect((await tenant.delete(users('/sensor-9'))).status).toBe(204);
    expect((await gone).reasonCode).toBe(V5.notAuthorized);
    // Unknown now: the built-in store ignores it, the HTTP service ignores it, the policy refuses it.
    expect(await connackCode(url, { protocolVersion: 5, username: 'sensor-9', password: 'second' })).toBe(V5.badUsernameOrPassword);
    expect(bystander.connected).toBe(true);
    await bystander.endAsync();
  });

  it('disconnects by client id when the built-in store keys users by client id', async () => {
    const byClientId = await runningInstance(tenant, 'keyed-by-client-id');
    await addAuthenticator(tenant, byClientId.id, 'built-in-database', { userIdType: 'clientid' });
    expect((await tenant.post(`/v1/instances/${byClientId.id}/users`, { userId: 'meter-1', password: 'pw' })).status).toBe(201);
    const endpoint = byClientId.endpoints!.mqtt;
    await untilConnack(endpoint, { clientId: 'meter-1', username: 'whoever', password: 'pw' }, 0);
    const client = await connectFrom(endpoint, { protocolVersion: 5, clientId: 'meter-1', username: 'whoever', password: 'pw' });
    const closed = whenClosed(client);
    expect((await tenant.delete(`/v1/instances/${byClientId.id}/users/meter-1`)).status).toBe(204);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);
  });
});
