import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '@mqc/testing';
import { newInstance, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

interface Verdict {
  decision: 'allow' | 'deny';
  by: { authorizerId: string; type: string; ruleId?: string } | null;
  reason: string;
  evaluatedBy: 'broker' | 'control-plane';
  notEvaluated: { authorizerId: string; type: string; reason: string }[];
}

interface InstanceView {
  accessPolicy: { anonymous: string; onBackendFailure: string; authorization: { noMatch: string; denyAction: string } };
}

describe('the authorization policy and the dry run', () => {
  const config = testConfig();
  let fixture: ControlPlaneFixture;
  let tenant: Tenant;
  let changes: EventLog;
  let instance: string;

  const check = (body: unknown) => tenant.api.post<Verdict & Problem>(`/v1/instances/${instance}/authorization/check`, body);
  const policy = (authorization?: unknown) =>
    tenant.api.put<InstanceView & Problem>(`/v1/instances/${instance}/access-policy`, { anonymous: 'deny', onBackendFailure: 'deny', ...(authorization === undefined ? {} : { authorization }) });

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ tenant, changes } = fixture);
    instance = await newInstance(tenant.api, 'professional', 'dry-run');
  });

  afterAll(() => fixture?.close());

  describe('the policy', () => {
    it('denies what no authorizer decides on a new instance, and shows it', async () => {
      const got = await tenant.api.get<InstanceView>(`/v1/instances/${instance}`);
      expect(got.body.accessPolicy.authorization).toEqual({ noMatch: 'deny', denyAction: 'ignore' });
      const verdict = await check({ clientId: 'meter-1', action: 'publish', topic: 'a/b' });
      expect(verdict.status).toBe(200);
      expect(verdict.body).toEqual({ decision: 'deny', by: null, reason: 'no authorizer matched; the policy noMatch is deny', evaluatedBy: 'control-plane', notEvaluated: [] });
    });

    it('sets noMatch and denyAction, announces an authorization change, and keeps them when a PUT leaves them out', async () => {
      changes.clear();
      const set = await policy({ noMatch: 'allow', denyAction: 'disconnect' });
      expect(set.status).toBe(200);
      expect(set.body.accessPolicy.authorization).toEqual({ noMatch: 'allow', denyAction: 'disconnect' });
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      await changes.next((e) => e.kind === 'chain' && e.instanceId === instance);
      const kept = await policy();
      expect(kept.body.accessPolicy.authorization).toEqual({ noMatch: 'allow', denyAction: 'disconnect' });
      const list = await tenant.api.get<{ items: InstanceView[] }>('/v1/instances');
      expect(list.body.items[0]?.accessPolicy.authorization).toEqual({ noMatch: 'allow', denyAction: 'disconnect' });
      expect((await check({ clientId: 'meter-1', action: 'publish', topic: 'a/b' })).body).toMatchObject({ decision: 'allow', by: null });
      // noMatch allow never opens $SYS.
      expect((await check({ clientId: 'meter-1', action: 'subscribe', topic: '$SYS/#' })).body).toMatchObject({ decision: 'deny', by: null });
    });

    it('names each bad policy field', async () => {
      const bad = await policy({ noMatch: 'maybe', denyAction: 'kick' });
      expect(bad.status).toBe(422);
      expect(bad.body.errors?.map((e) => e.field)).toEqual(['authorization.noMatch', 'authorization.denyAction']);
      expect((await policy({ noMatch: 'deny' })).body.errors?.[0]?.field).toBe('authorization.denyAction');
      expect((await policy({ noMatch: 'deny', denyAction: 'ignore', extra: 1 })).status).toBe(422);
    });
  });

  describe('the dry run', () => {
    const rules: Record<string, string> = {};
    let builtIn: string;
    let clientInfo: string;
    let http: string;

    beforeAll(async () => {
      await policy({ noMatch: 'deny', denyAction: 'ignore' });
      const add = async (name: string, body: Record<string, unknown>) => {
        const created = await tenant.api.post<{ id: string }>(`/v1/instances/${instance}/acl-rules`, body);
        if (created.status !== 201) throw new Error(JSON.stringify(created.body));
        rules[name] = created.body.id;
      };
      await add('deny-secret', { permission: 'deny', action: 'all', topic: 'devices/+/secret' });
      await add('own', { permission: 'allow', action: 'all', topic: 'devices/${clientid}/#' });
      await add('ops-sys', { permission: 'allow', action: 'subscribe', topic: '$SYS/#', username: 'ops' });
      await add('retained', { permission: 'deny', action: 'publish', topic: 'status/#', retain: true });
      await add('status', { permission: 'allow', action: 'publish', topic: 'status/#' });
    });

    it('answers noMatch while the chain has no built-in authorizer, though rules exist', async () => {
      expect((await check({ clientId: 'meter-1', action: 'publish', topic: 'devices/meter-1/t' })).body).toMatchObject({ decision: 'deny', by: null });
    });

    it('names the rule that decided, with placeholders filled from the client id and user name', async () => {
      builtIn = (await tenant.api.post<{ id: string }>(`/v1/instances/${instance}/authorizers`, { type: 'built-in-database' })).body.id;
      const own = await check({ clientId: 'meter-1', action: 'publish', topic: 'devices/meter-1/telemetry' });
      expect(own.body).toEqual({
        decision: 'allow',
        by: { authorizerId: builtIn, type: 'built-in-database', ruleId: rules['own'] },
        reason: `rule ${rules['own']} of built-in-database authorizer ${builtIn} allows publish on devices/meter-1/telemetry`,
        evaluatedBy: 'control-plane',
        notEvaluated: [],
      });
      const secret = await check({ clientId: 'meter-1', action: 'subscribe', topic: 'devices/meter-1/secret' });
      expect(secret.body).toMatchObject({ decision: 'deny', by: { ruleId: rules['deny-secret'] } });
      const other = await check({ clientId: 'meter-1', action: 'subscribe', topic: 'devices/meter-2/#' });
      expect(other.body).toMatchObject({ decision: 'deny', by: null });
      const shared = await check({ clientId: 'meter-1', action: 'subscribe', topic: '$share/g/devices/meter-1/#', qos: 1 });
      expect(shared.body).toMatchObject({ decision: 'allow', by: { ruleId: rules['own'] } });
      const sys = await check({ clientId: 'dash', username: 'ops', action: 'subscribe', topic: '$SYS/broker/clients' });
      expect(sys.body).toMatchObject({ decision: 'allow', by: { ruleId: rules['ops-sys'] } });
      expect((await check({ clientId: 'dash', action: 'subscribe', topic: '$SYS/broker/clients' })).body).toMatchObject({ decision: 'deny', by: null });
      const retained = await check({ clientId: 'meter-1', action: 'publish', topic: 'status/meter-1', retain: true });
      expect(retained.body).toMatchObject({ decision: 'deny', by: { ruleId: rules['retained'] } });
      expect((await check({ clientId: 'meter-1', action: 'publish', topic: 'status/meter-1' })).body).toMatchObject({ decision: 'allow', by: { ruleId: rules['status'] } });
    });

    it('never widens a rule through a client id holding a wildcard', async () => {
      const wide = await check({ clientId: '+', action: 'subscribe', topic: 'devices/+/#' });
      expect(wide.body).toMatchObject({ decision: 'deny', by: null });
    });

    it('follows a rule reorder at once', async () => {
      const all = await tenant.api.get<{ items: { id: string }[] }>(`/v1/instances/${instance}/acl-rules`);
      const ids = all.body.items.map((r) => r.id);
      const swapped = [ids[1]!, ids[0]!, ...ids.slice(2)];
      expect((await tenant.api.put(`/v1/instances/${instance}/acl-rules/order`, { ids: swapped })).status).toBe(200);
      const secret = await check({ clientId: 'meter-1', action: 'subscribe', topic: 'devices/meter-1/secret' });
      expect(secret.body).toMatchObject({ decision: 'allow', by: { ruleId: rules['own'] } });
      await tenant.api.put(`/v1/instances/${instance}/acl-rules/order`, { ids });
    });

    it('passes client-info (no token in a dry run) and lists an http authorizer it did not call; a disabled one is skipped', async () => {
      clientInfo = (await tenant.api.post<{ id: string }>(`/v1/instances/${instance}/authorizers`, { type: 'client-info' })).body.id;
      http = (await tenant.api.post<{ id: string }>(`/v1/instances/${instance}/authorizers`, { type: 'http', config: { url: 'https://93.184.216.34/authz' } })).body.id;
      expect((await tenant.api.put(`/v1/instances/${instance}/authorizers/order`, { ids: [clientInfo, http, builtIn] })).status).toBe(200);
      const verdict = await check({ clientId: 'meter-1', action: 'publish', topic: 'devices/meter-1/telemetry' });
      expect(verdict.body).toMatchObject({
        decision: 'allow',
        by: { authorizerId: builtIn, ruleId: rules['own'] },
        evaluatedBy: 'control-plane',
        notEvaluated: [{ authorizerId: http, type: 'http', reason: expect.stringContaining('does not call the tenant service') }],
      });
      await tenant.api.patch(`/v1/instances/${instance}/authorizers/${http}`, { enabled: false });
      expect((await check({ clientId: 'meter-1', action: 'publish', topic: 'devices/meter-1/telemetry' })).body.notEvaluated).toEqual([]);
      await tenant.api.patch(`/v1/instances/${instance}/authorizers/${builtIn}`, { enabled: false });
      expect((await check({ clientId: 'meter-1', action: 'publish', topic: 'devices/meter-1/telemetry' })).body).toMatchObject({ decision: 'deny', by: null });
    });

    it('names each bad field of the check', async () => {
      const missing = await check({ action: 'receive', topic: 'a' });
      expect(missing.status).toBe(422);
      expect(missing.body.errors?.map((e) => e.field).sort()).toEqual(['action', 'clientId']);
      const wildcard = await check({ clientId: 'c', action: 'publish', topic: 'a/#' });
      expect(wildcard.body.errors).toEqual([{ field: 'topic', message: 'topic "a/#": a PUBLISH topic has no wildcards [MQTT-3.3.2-2]' }]);
      expect((await check({ clientId: 'c', action: 'subscribe', topic: 'a', qos: 3 })).body.errors?.[0]?.field).toBe('qos');
    });
  });
});
