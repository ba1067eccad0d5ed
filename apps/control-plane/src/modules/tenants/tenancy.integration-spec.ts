import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../control-plane';
import { newTenant, type Tenant } from '../../test/control-plane.spec-helper';

interface Problem {
  status: number;
  code: string;
  errors?: { field: string; message: string }[];
}

describe('tenancy: the operator token, tenants and their API keys', () => {
  const config = testConfig();
  let db: TestDatabase;
  let cp: ControlPlane;
  let operator: ApiClient;
  let tenant: Tenant;

  beforeAll(async () => {
    db = await createTestDatabase();
    cp = await startControlPlane(config, db.url, 0);
    operator = new ApiClient(cp.url, config.operatorToken);
    tenant = await newTenant(operator, 'acme');
  });

  afterAll(async () => {
    await cp?.close();
    await db?.drop();
  });

  it('creates a tenant with its first key, whose secret is shown once and works as a bearer token', async () => {
    const created = await operator.post<{ tenant: { id: string; name: string }; apiKey: { id: string; secret: string; prefix: string } }>('/v1/ops/tenants', { name: 'globex' });
    expect(created.status).toBe(201);
    expect(created.body.tenant.name).toBe('globex');
    expect(created.body.apiKey.secret).toMatch(/^mqc_/);
    expect(created.body.apiKey.secret.startsWith(created.body.apiKey.prefix)).toBe(true);
    const api = operator.withToken(created.body.apiKey.secret);
    const keys = await api.get<{ items: Record<string, unknown>[] }>('/v1/api-keys');
    expect(keys.status).toBe(200);
    expect(keys.body.items).toHaveLength(1);
    expect(keys.body.items[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(keys.body)).not.toContain(created.body.apiKey.secret);
  });

  it('lists tenants for the operator', async () => {
    const list = await operator.get<{ items: { id: string; name: string }[] }>('/v1/ops/tenants');
    expect(list.status).toBe(200);
    expect(list.body.items.map((t) => t.name)).toEqual(expect.arrayContaining(['acme', 'globex']));
  });

  it('shows the operator the broker nodes and the metrics, and anyone health and readiness', async () => {
    const nodes = await operator.get<{ items: unknown[] }>('/v1/ops/nodes');
    expect(nodes.status).toBe(200);
    expect(Array.isArray(nodes.body.items)).toBe(true);
    const anonymous = new ApiClient(cp.url);
    expect((await anonymous.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await anonymous.get('/readyz')).body).toEqual({ status: 'ready', database: true, redis: true });
    expect((await anonymous.get('/metrics')).status).toBe(401);
    const metrics = await operator.get<string>('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toContain('text/plain');
  });

  it('refuses /v1/ops without the operator token, and with a tenant key', async () => {
    const anonymous = new ApiClient(cp.url);
    const missing = await anonymous.get<Problem>('/v1/ops/tenants');
    expect(missing.status).toBe(401);
    expect(missing.contentType).toContain('application/problem+json');
    expect(missing.body.code).toBe('missing-bearer-token');
    const asTenant = await tenant.api.get<Problem>('/v1/ops/tenants');
    expect(asTenant.status).toBe(401);
    expect(asTenant.body.code).toBe('invalid-operator-token');
    for (const path of ['/v1/ops/instances', '/v1/ops/nodes']) expect((await tenant.api.get(path)).status).toBe(401);
  });

  it('refuses console routes without a valid API key, and the operator token there', async () => {
    const wrong = await new ApiClient(cp.url, 'mqc_not-a-key').get<Problem>('/v1/instances');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid-api-key');
    expect((await operator.get<Problem>('/v1/instances')).body.code).toBe('invalid-api-key');
  });

  it('creates, lists and revokes API keys; a revoked key stops working at once', async () => {
    const created = await tenant.api.post<{ id: string; name: string; secret: string }>('/v1/api-keys', { name: 'ci' });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('ci');
    const second = tenant.api.withToken(created.body.secret);
    expect((await second.get('/v1/api-keys')).status).toBe(200);
    const listed = await tenant.api.get<{ items: { id: string; name: string; lastUsedAt: string | null }[] }>('/v1/api-keys');
    expect(listed.body.items.map((k) => k.name)).toEqual(['first key', 'ci']);
    expect(listed.body.items.find((k) => k.id === created.body.id)?.lastUsedAt).not.toBeNull();

    expect((await tenant.api.delete(`/v1/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await second.get<Problem>('/v1/api-keys')).body.code).toBe('invalid-api-key');
    expect((await tenant.api.delete<Problem>(`/v1/api-keys/${created.body.id}`)).body.code).toBe('api-key-not-found');
  });

  it('stores only a digest of each key', async () => {
    const created = await tenant.api.post<{ id: string; secret: string }>('/v1/api-keys', { name: 'digest' });
    const { Client } = await import('pg');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM api_keys WHERE id = $1', [created.body.id]);
      expect(rows.rows[0]!.secret_hash.toString('utf8')).not.toContain(created.body.secret);
      expect(rows.rows[0]!.secret_hash).toHaveLength(32);
    } finally {
      await client.end();
    }
  });

  it('refuses to revoke the last key of a tenant', async () => {
    const lone = await newTenant(operator, 'lone');
    const refused = await lone.api.delete<Problem>(`/v1/api-keys/${lone.apiKeyId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('last-api-key');
  });

  it('names each bad field with a 422', async () => {
    const noName = await operator.post<Problem>('/v1/ops/tenants', {});
    expect(noName.status).toBe(422);
    expect(noName.body.code).toBe('validation-failed');
    expect(noName.body.errors).toEqual([expect.objectContaining({ field: 'name' })]);
    const extra = await operator.post<Problem>('/v1/ops/tenants', { name: 'x', plan: 'gold' });
    expect(extra.status).toBe(422);
    const badKey = await tenant.api.post<Problem>('/v1/api-keys', { name: 42 });
    expect(badKey.status).toBe(422);
    expect(badKey.body.errors?.[0]?.field).toBe('name');
    const badId = await tenant.api.delete<Problem>('/v1/api-keys/not-a-uuid');
    expect(badId.status).toBe(404);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const malformed = await tenant.api.request<Problem>('POST', '/v1/api-keys', '{"name":', { 'content-type': 'application/json' });
    expect(malformed.status).toBe(400);
    expect(malformed.contentType).toContain('application/problem+json');
    expect(malformed.body.code).toBe('malformed-body');
  });

  it('records tenant changes in the audit log, newest first, without secrets', async () => {
    const audit = await tenant.api.get<{ items: { action: string; actor: string; details: Record<string, unknown> }[]; nextCursor: string | null }>('/v1/audit-events?limit=50');
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['tenant.create', 'api-key.create', 'api-key.delete']));
    expect(actions.indexOf('api-key.delete')).toBeLessThan(actions.indexOf('tenant.create'));
    expect(JSON.stringify(audit.body)).not.toMatch(/mqc_[A-Za-z0-9_-]{20}/);
    const page = await tenant.api.get<{ items: unknown[]; nextCursor: string }>('/v1/audit-events?limit=1');
    expect(page.body.items).toHaveLength(1);
    const older = await tenant.api.get<{ items: { id: string }[] }>(`/v1/audit-events?limit=1&before=${page.body.nextCursor}`);
    expect(older.body.items).toHaveLength(1);
    expect((await tenant.api.get<Problem>('/v1/audit-events?limit=0')).status).toBe(422);
  });
});
