import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../control-plane';
import { newInstance, newTenant, type Tenant } from '../../test/control-plane.spec-helper';

describe('clients, retained and authenticator test routes without a broker node', () => {
  const config = testConfig();
  let db: TestDatabase;
  let cp: ControlPlane;
  let owner: Tenant;
  let instance: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    cp = await startControlPlane(config, db.url, 0);
    owner = await newTenant(new ApiClient(cp.url, config.operatorToken), 'owner');
    // Never provisioned (no worker): no node serves it.
    instance = await newInstance(owner.api, 'professional', 'unserved');
  });

  afterAll(async () => {
    await cp?.close();
    await db?.drop();
  });

  it('answers 503 instance-unreachable (problem+json) when no broker node serves the instance, without waiting', async () => {
    const authenticator = await owner.api.post<{ id: string }>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
    const calls = [
      owner.api.get(`/v1/instances/${instance}/clients`),
      owner.api.get(`/v1/instances/${instance}/clients/dev-1`),
      owner.api.delete(`/v1/instances/${instance}/clients/dev-1`),
      owner.api.get(`/v1/instances/${instance}/retained`),
      owner.api.delete(`/v1/instances/${instance}/retained?topic=a/b`),
      owner.api.post(`/v1/instances/${instance}/authenticators/${authenticator.body.id}/test`, { clientId: 'dev-1', username: 'u', password: 'p' }),
    ];
    for (const answer of await Promise.all(calls)) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ status: 503, code: 'instance-unreachable', detail: expect.stringContaining('no broker node serves it') });
    }
  });

  it('validates the query before asking anyone (422 naming the field)', async () => {
    const bad = await owner.api.get<{ errors: { field: string }[] }>(`/v1/instances/${instance}/clients?limit=500&cursor=%25%25`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['cursor', 'limit']);
    const topic = await owner.api.get<{ errors: { field: string }[] }>(`/v1/instances/${instance}/retained?topic=a%23`);
    expect(topic.status).toBe(422);
    expect(topic.body.errors.map((e) => e.field)).toEqual(['topic']);
  });
});
