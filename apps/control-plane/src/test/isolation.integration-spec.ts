import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../control-plane';
import { newInstance, newTenant, type Api, type Tenant } from './control-plane.spec-helper';

interface Owned {
  instance: string;
  authenticator: string;
  authorizer: string;
  rule: string;
  userId: string;
  clientId: string;
  apiKey: string;
}

interface Route {
  name: string;
  call(api: Api, ids: Owned): Promise<{ status: number; body: unknown }>;
}

/** Every console route that names a resource, with a body that passes validation. */
const ROUTES: Route[] = [
  { name: 'GET instance', call: (api, o) => api.get(`/v1/instances/${o.instance}`) },
  { name: 'PATCH instance', call: (api, o) => api.patch(`/v1/instances/${o.instance}`, { name: 'stolen', edition: 'platinum' }) },
  { name: 'DELETE instance', call: (api, o) => api.delete(`/v1/instances/${o.instance}`) },
  { name: 'GET ca.pem', call: (api, o) => api.get(`/v1/instances/${o.instance}/ca.pem`) },
  { name: 'PUT access-policy', call: (api, o) => api.put(`/v1/instances/${o.instance}/access-policy`, { anonymous: 'allow', onBackendFailure: 'ignore' }) },
  { name: 'GET authenticators', call: (api, o) => api.get(`/v1/instances/${o.instance}/authenticators`) },
  { name: 'POST authenticator', call: (api, o) => api.post(`/v1/instances/${o.instance}/authenticators`, { type: 'x509', config: {} }) },
  { name: 'PUT authenticator order', call: (api, o) => api.put(`/v1/instances/${o.instance}/authenticators/order`, { ids: [o.authenticator] }) },
  { name: 'GET authenticator', call: (api, o) => api.get(`/v1/instances/${o.instance}/authenticators/${o.authenticator}`) },
  { name: 'PATCH authenticator', call: (api, o) => api.patch(`/v1/instances/${o.instance}/authenticators/${o.authenticator}`, { enabled: false }) },
  { name: 'DELETE authenticator', call: (api, o) => api.delete(`/v1/instances/${o.instance}/authenticators/${o.authenticator}`) },
  { name: 'POST authenticator test', call: (api, o) => api.post(`/v1/instances/${o.instance}/authenticators/${o.authenticator}/test`, { clientId: 'c', username: 'u', password: 'p' }) },
  { name: 'GET authorizers', call: (api, o) => api.get(`/v1/instances/${o.instance}/authorizers`) },
  { name: 'POST authorizer', call: (api, o) => api.post(`/v1/instances/${o.instance}/authorizers`, { type: 'client-info', config: {} }) },
  { name: 'PUT authorizer order', call: (api, o) => api.put(`/v1/instances/${o.instance}/authorizers/order`, { ids: [o.authorizer] }) },
  { name: 'GET authorizer', call: (api, o) => api.get(`/v1/instances/${o.instance}/authorizers/${o.authorizer}`) },
  { name: 'PATCH authorizer', call: (api, o) => api.patch(`/v1/instances/${o.instance}/authorizers/${o.authorizer}`, { enabled: false }) },
  { name: 'DELETE authorizer', call: (api, o) => api.delete(`/v1/instances/${o.instance}/authorizers/${o.authorizer}`) },
  { name: 'GET acl-rules', call: (api, o) => api.get(`/v1/instances/${o.instance}/acl-rules`) },
  { name: 'POST acl-rule', call: (api, o) => api.post(`/v1/instances/${o.instance}/acl-rules`, { permission: 'allow', action: 'all', topic: '#' }) },
  { name: 'PUT acl-rule order', call: (api, o) => api.put(`/v1/instances/${o.instance}/acl-rules/order`, { ids: [o.rule] }) },
  {
    name: 'POST acl-rules import',
    call: (api, o) => api.post(`/v1/instances/${o.instance}/acl-rules/import`, 'permission,action,topic\nallow,all,#', { 'content-type': 'text/csv' }),
  },
  { name: 'GET acl-rule', call: (api, o) => api.get(`/v1/instances/${o.instance}/acl-rules/${o.rule}`) },
  { name: 'PATCH acl-rule', call: (api, o) => api.patch(`/v1/instances/${o.instance}/acl-rules/${o.rule}`, { topic: '#' }) },
  { name: 'DELETE acl-rule', call: (api, o) => api.delete(`/v1/instances/${o.instance}/acl-rules/${o.rule}`) },
  { name: 'POST authorization check', call: (api, o) => api.post(`/v1/instances/${o.instance}/authorization/check`, { clientId: 'c', action: 'subscribe', topic: '#' }) },
  { name: 'GET users', call: (api, o) => api.get(`/v1/instances/${o.instance}/users`) },
  { name: 'POST user', call: (api, o) => api.post(`/v1/instances/${o.instance}/users`, { userId: 'intruder', password: 'p' }) },
  {
    name: 'POST users import',
    call: (api, o) => api.post(`/v1/instances/${o.instance}/users/import?type=plain`, 'user_id,password\nintruder,p', { 'content-type': 'text/csv' }),
  },
  { name: 'GET user', call: (api, o) => api.get(`/v1/instances/${o.instance}/users/${o.userId}`) },
  { name: 'PATCH user', call: (api, o) => api.patch(`/v1/instances/${o.instance}/users/${o.userId}`, { password: 'taken-over' }) },
  { name: 'DELETE user', call: (api, o) => api.delete(`/v1/instances/${o.instance}/users/${o.userId}`) },
  { name: 'GET devices', call: (api, o) => api.get(`/v1/instances/${o.instance}/devices`) },
  { name: 'POST device', call: (api, o) => api.post(`/v1/instances/${o.instance}/devices`, { clientId: 'intruder' }) },
  { name: 'GET device', call: (api, o) => api.get(`/v1/instances/${o.instance}/devices/${o.clientId}`) },
  { name: 'PATCH device', call: (api, o) => api.patch(`/v1/instances/${o.instance}/devices/${o.clientId}`, { status: 'DISABLED' }) },
  { name: 'DELETE device', call: (api, o) => api.delete(`/v1/instances/${o.instance}/devices/${o.clientId}`) },
  { name: 'POST device key regenerate', call: (api, o) => api.post(`/v1/instances/${o.instance}/devices/${o.clientId}/keys/regenerate`, { key: 'primary' }) },
  { name: 'GET clients', call: (api, o) => api.get(`/v1/instances/${o.instance}/clients?connected=true&limit=10`) },
  { name: 'GET client', call: (api, o) => api.get(`/v1/instances/${o.instance}/clients/${o.clientId}`) },
  { name: 'DELETE client', call: (api, o) => api.delete(`/v1/instances/${o.instance}/clients/${o.clientId}?clearSession=true`) },
  { name: 'GET retained', call: (api, o) => api.get(`/v1/instances/${o.instance}/retained?topic=%23`) },
  { name: 'DELETE retained', call: (api, o) => api.delete(`/v1/instances/${o.instance}/retained?topic=a%2Fb`) },
  { name: 'DELETE api key', call: (api, o) => api.delete(`/v1/api-keys/${o.apiKey}`) },
];

describe('tenant isolation: another tenant resources answer 404, exactly like missing ones', () => {
  const config = testConfig();
  let db: TestDatabase;
  let cp: ControlPlane;
  let owner: Tenant;
  let intruder: Tenant;
  let owned: Owned;
  let intruderInstance: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    cp = await startControlPlane(config, db.url, 0);
    const operator = new ApiClient(cp.url, config.operatorToken);
    owner = await newTenant(operator, 'owner');
    intruder = await newTenant(operator, 'intruder');
    const instance = await newInstance(owner.api, 'platinum', 'private');
    const authenticator = await owner.api.post<{ id: string }>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
    const authorizer = await owner.api.post<{ id: string }>(`/v1/instances/${instance}/authorizers`, { type: 'built-in-database', config: {} });
    const rule = await owner.api.post<{ id: string }>(`/v1/instances/${instance}/acl-rules`, { permission: 'allow', action: 'subscribe', topic: 'private/#' });
    await owner.api.post(`/v1/instances/${instance}/users`, { userId: 'sensor-1', password: 'p' });
    await owner.api.post(`/v1/instances/${instance}/devices`, { clientId: 'meter-1' });
    const key = await owner.api.post<{ id: string }>('/v1/api-keys', { name: 'second' });
    owned = { instance, authenticator: authenticator.body.id, authorizer: authorizer.body.id, rule: rule.body.id, userId: 'sensor-1', clientId: 'meter-1', apiKey: key.body.id };
    intruderInstance = await newInstance(intruder.api, 'platinum', 'own');
  });

  afterAll(async () => {
    await cp?.close();
    await db?.drop();
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s', async (_, route) => {
    const foreign = await route.call(intruder.api, owned);
    const missing = await route.call(intruder.api, { instance: randomUUID(), authenticator: randomUUID(), authorizer: randomUUID(), rule: randomUUID(), userId: 'nobody', clientId: 'nobody', apiKey: randomUUID() });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });

  it('does not let an authenticator, user or device be reached through the intruder own instance either', async () => {
    const through = { ...owned, instance: intruderInstance };
    const byId = /^(GET|PATCH|DELETE) (authenticator|authorizer|acl-rule|user|device)$|^PUT (authenticator|authorizer|acl-rule) order$|regenerate|^POST authenticator test$/;
    for (const route of ROUTES.filter((r) => byId.test(r.name))) {
      const foreign = await route.call(intruder.api, through);
      const missing = await route.call(intruder.api, { ...through, authenticator: randomUUID(), authorizer: randomUUID(), rule: randomUUID(), userId: 'nobody', clientId: 'nobody' });
      // 404, or for a reorder a 422 (the id is not in this chain): the same answer as for an unknown id.
      expect(foreign.status, route.name).toBe(route.name.endsWith(' order') ? 422 : 404);
      expect(foreign.body, route.name).toEqual(missing.body);
    }
  });

  it('shows the intruder none of the owner resources in lists and the audit log', async () => {
    const instances = await intruder.api.get<{ items: { id: string }[] }>('/v1/instances');
    expect(instances.body.items.map((i) => i.id)).toEqual([intruderInstance]);
    const keys = await intruder.api.get<{ items: { id: string }[] }>('/v1/api-keys');
    expect(keys.body.items.map((k) => k.id)).toEqual([intruder.apiKeyId]);
    const audit = await intruder.api.get<{ items: { resourceId: string; details: Record<string, unknown> }[] }>('/v1/audit-events?limit=500');
    const text = JSON.stringify(audit.body);
    for (const id of [owned.instance, owned.authenticator, owned.authorizer, owned.rule, owned.apiKey, 'sensor-1', 'meter-1', owner.id]) expect(text).not.toContain(id);
  });

  it('left the owner resources as they were', async () => {
    const instance = await owner.api.get<{ name: string; edition: string; status: string; accessPolicy: { anonymous: string } }>(`/v1/instances/${owned.instance}`);
    expect(instance.body).toMatchObject({ name: 'private', edition: 'platinum', status: 'PROVISIONING', accessPolicy: { anonymous: 'deny' } });
    const chain = await owner.api.get<{ items: { id: string; enabled: boolean }[] }>(`/v1/instances/${owned.instance}/authenticators`);
    expect(chain.body.items).toEqual([expect.objectContaining({ id: owned.authenticator, enabled: true })]);
    const authorizers = await owner.api.get<{ items: { id: string; enabled: boolean }[] }>(`/v1/instances/${owned.instance}/authorizers`);
    expect(authorizers.body.items).toEqual([expect.objectContaining({ id: owned.authorizer, enabled: true })]);
    const rules = await owner.api.get<{ items: { id: string; topic: string }[] }>(`/v1/instances/${owned.instance}/acl-rules`);
    expect(rules.body.items).toEqual([expect.objectContaining({ id: owned.rule, topic: 'private/#' })]);
    const users = await owner.api.get<{ items: { userId: string }[] }>(`/v1/instances/${owned.instance}/users`);
    expect(users.body.items.map((u) => u.userId)).toEqual(['sensor-1']);
    const devices = await owner.api.get<{ items: { clientId: string; status: string }[] }>(`/v1/instances/${owned.instance}/devices`);
    expect(devices.body.items).toEqual([expect.objectContaining({ clientId: 'meter-1', status: 'ENABLED' })]);
    const keys = await owner.api.get<{ items: { id: string }[] }>('/v1/api-keys');
    expect(keys.body.items.map((k) => k.id)).toContain(owned.apiKey);
  });
});
