import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobProducer, QUEUE_OF_JOB, connectRedis } from '@mqc/queue';
import { ApiClient, testConfig } from '@mqc/testing';
import { newInstance, newTenant, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
  blockers?: Record<string, unknown>[];
}

interface Instance {
  id: string;
  name: string;
  edition: string;
  status: string;
  endpoints: unknown;
  accessPolicy: { anonymous: string; onBackendFailure: string };
}

describe('instances and editions', () => {
  const config = testConfig();
  let fixture: ControlPlaneFixture;
  let operator: ApiClient;
  let tenant: Tenant;
  let changes: EventLog;
  let sql: Client;

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ operator, tenant, changes, sql } = fixture);
  });

  afterAll(() => fixture?.close());

  it('creates an instance: 202, PROVISIONING, default access policy, and a queued provisioning job', async () => {
    const created = await tenant.api.post<Instance>('/v1/instances', { name: 'plant-1', edition: 'professional' });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ name: 'plant-1', edition: 'professional', status: 'PROVISIONING', endpoints: null, accessPolicy: { anonymous: 'deny', onBackendFailure: 'deny' } });
    const redis = await connectRedis(config.redisUrl, 'spec');
    const jobs = new JobProducer(redis, config.redisPrefix);
    try {
      const job = await jobs.queue(QUEUE_OF_JOB['provision-instance']).getJob(`provision-${created.body.id}`);
      expect(job?.data).toEqual({ instanceId: created.body.id });
    } finally {
      await jobs.close();
      redis.disconnect();
    }
    const got = await tenant.api.get<Instance>(`/v1/instances/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(created.body.id);
  });

  it('lists instances page by page with a cursor', async () => {
    const other = await newTenant(operator, 'paged');
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await newInstance(other.api, 'basic', `p-${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Instance[]; nextCursor: string | null } } = await other.api.get(`/v1/instances?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('renames an instance and announces it', async () => {
    const id = await newInstance(tenant.api, 'basic', 'old');
    changes.clear();
    const renamed = await tenant.api.patch<Instance>(`/v1/instances/${id}`, { name: 'new' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('new');
    await changes.next((e) => e.kind === 'instance' && e.instanceId === id);
  });

  it('always lets an upgrade pass, and announces the edition change', async () => {
    const id = await newInstance(tenant.api, 'basic', 'up');
    for (const edition of ['professional', 'platinum']) {
      changes.clear();
      const upgraded = await tenant.api.patch<Instance>(`/v1/instances/${id}`, { edition });
      expect(upgraded.status).toBe(200);
      expect(upgraded.body.edition).toBe(edition);
      await changes.next((e) => e.kind === 'instance' && e.instanceId === id);
    }
  });

  it('refuses a downgrade with every blocker listed: enabled methods, registered devices, chain length and users', async () => {
    const id = await newInstance(tenant.api, 'professional', 'down');
    const chain = [
      { type: 'built-in-database', config: {} },
      { type: 'jwt', config: { secret: 'hmac' } },
      { type: 'http', config: { url: 'https://93.184.216.34/auth' }, enabled: false },
    ];
    for (const body of chain) expect((await tenant.api.post(`/v1/instances/${id}/authenticators`, body)).status).toBe(201);
    expect((await tenant.api.post(`/v1/instances/${id}/devices`, { clientId: 'meter-1' })).status).toBe(201);
    // 10,001 built-in users: one more than basic allows.
    const lines = ['user_id,password_hash,salt,is_superuser'];
    for (let i = 0; i <= 10_000; i++) lines.push(`u${i},${createHash('sha256').update(`s${i}p`).digest('hex')},s${i},false`);
    const imported = await tenant.api.post(`/v1/instances/${id}/users/import?type=hash`, lines.join('\n'), { 'content-type': 'text/csv' });
    expect(imported.status).toBe(201);

    const refused = await tenant.api.patch<Problem>(`/v1/instances/${id}`, { edition: 'basic' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('edition-downgrade-blocked');
    expect(refused.body.blockers).toEqual([
      { kind: 'method', method: 'jwt', authenticatorType: 'jwt' },
      { kind: 'method', method: 'device-secret', devices: 1 },
      { kind: 'quota', quota: 'authenticatorsPerChain', used: 3, limit: 2 },
      { kind: 'quota', quota: 'builtInUsers', used: 10_001, limit: 10_000 },
    ]);
    expect((await tenant.api.get<Instance>(`/v1/instances/${id}`)).body.edition).toBe('professional');
  });

  it('refuses a downgrade to basic while one device one certificate is in use, naming it and the registered CAs', async () => {
    const id = await newInstance(tenant.api, 'professional', 'byoc');
    expect((await tenant.api.put(`/v1/instances/${id}/x509`, { mode: 'BYOC', provisioning: 'JITP', autoActivate: true })).status).toBe(200);
    // A registered CA, written as the registration route would (its proof of possession is the PKI suite's subject).
    await sql.query(
      `INSERT INTO ca_certificates (instance_id, certificate_pem, subject, common_name, serial_number, fingerprint256, not_before, not_after, status)
       VALUES ($1, 'pem', 'CN=Tenant CA', 'Tenant CA', '01', 'AA:BB', now(), now() + interval '1 year', 'ACTIVE')`,
      [id],
    );
    const refused = await tenant.api.patch<Problem>(`/v1/instances/${id}`, { edition: 'basic' });
    expect(refused.status).toBe(409);
    expect(refused.body.blockers).toEqual([
      { kind: 'method', method: 'x509-device-certificate' },
      { kind: 'quota', quota: 'registeredCaCertificates', used: 1, limit: 0 },
    ]);
  });

  it('lets a downgrade pass once nothing blocks it', async () => {
    const id = await newInstance(tenant.api, 'platinum', 'slim');
    const added = await tenant.api.post<{ id: string }>(`/v1/instances/${id}/authenticators`, { type: 'scram', config: {} });
    const blocked = await tenant.api.patch<Problem>(`/v1/instances/${id}`, { edition: 'professional' });
    expect(blocked.body.blockers).toEqual([{ kind: 'method', method: 'scram', authenticatorType: 'scram' }]);
    // A disabled authenticator of a method the target lacks does not block.
    expect((await tenant.api.patch(`/v1/instances/${id}/authenticators/${added.body.id}`, { enabled: false })).status).toBe(200);
    const downgraded = await tenant.api.patch<Instance>(`/v1/instances/${id}`, { edition: 'professional' });
    expect(downgraded.status).toBe(200);
    // …and it cannot be enabled again on this edition.
    const enable = await tenant.api.patch<Problem & { requiredEdition: string }>(`/v1/instances/${id}/authenticators/${added.body.id}`, { enabled: true });
    expect(enable.status).toBe(403);
    expect(enable.body.requiredEdition).toBe('platinum');
  });

  it('lets the operator stop selling an edition: new instances are refused, existing ones keep working and may still change edition', async () => {
    const existing = await newInstance(tenant.api, 'basic', 'kept');
    const stopped = await operator.patch<{ name: string; available: boolean }>('/v1/ops/editions/basic', { available: false });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ name: 'basic', available: false });
    await operator.patch('/v1/ops/editions/platinum', { available: false });
    try {
      const upgraded = await tenant.api.patch<Instance>(`/v1/instances/${existing}`, { edition: 'platinum' });
      expect(upgraded.body.edition).toBe('platinum');
      expect((await tenant.api.patch<Instance>(`/v1/instances/${existing}`, { edition: 'basic' })).body.edition).toBe('basic');
      const catalog = await tenant.api.get<{ items: { name: string; available: boolean }[] }>('/v1/editions');
      expect(catalog.body.items.find((e) => e.name === 'basic')?.available).toBe(false);
      const opsCatalog = await operator.get<{ items: { name: string; available: boolean }[] }>('/v1/ops/editions');
      expect(opsCatalog.body.items.map((e) => [e.name, e.available])).toEqual([['basic', false], ['professional', true], ['platinum', false]]);
      expect((await tenant.api.get('/v1/ops/editions')).status).toBe(401);
      const refused = await tenant.api.post<Problem>('/v1/instances', { name: 'new', edition: 'basic' });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('edition-not-available');
      // Existing instances may still change edition: the switch is about new instances.
      const pro = await newInstance(tenant.api, 'professional', 'pro');
      expect((await tenant.api.patch<Instance>(`/v1/instances/${pro}`, { edition: 'basic' })).body.edition).toBe('basic');

      expect((await tenant.api.get<Instance>(`/v1/instances/${existing}`)).status).toBe(200);
      expect((await tenant.api.patch<Instance>(`/v1/instances/${existing}`, { name: 'still here' })).status).toBe(200);
      expect((await tenant.api.post(`/v1/instances/${existing}/authenticators`, { type: 'built-in-database', config: {} })).status).toBe(201);
    } finally {
      await operator.patch('/v1/ops/editions/basic', { available: true });
      await operator.patch('/v1/ops/editions/platinum', { available: true });
    }
    expect((await tenant.api.post('/v1/instances', { name: 'again', edition: 'basic' })).status).toBe(202);
  });

  it('refuses an unknown edition on the operator switch', async () => {
    expect((await operator.patch<Problem>('/v1/ops/editions/gold', { available: false })).body.code).toBe('edition-not-found');
    expect((await operator.patch<Problem>('/v1/ops/editions/basic', { available: 'no' })).status).toBe(422);
  });

  it('shows the catalog with methods and quotas', async () => {
    const catalog = await tenant.api.get<{ items: { name: string; methods: string[]; quotas: Record<string, number>; limits: Record<string, number> }[] }>('/v1/editions');
    expect(catalog.body.items.map((e) => e.name)).toEqual(['basic', 'professional', 'platinum']);
    expect(catalog.body.items[0]!.methods).not.toContain('jwt');
    expect(catalog.body.items[2]!.quotas['registeredCaCertificates']).toBe(32);
    expect(catalog.body.items[0]!.limits).toMatchObject({ retainedMessages: 2_000, maxPacketSize: 256 * 1024, queuedMessagesPerSession: 1_000 });
    expect(catalog.body.items[2]!.limits['retainedBytes']).toBeGreaterThan(catalog.body.items[0]!.limits['retainedBytes']!);
  });

  it('sets the access policy and announces it', async () => {
    const id = await newInstance(tenant.api, 'basic', 'policy');
    changes.clear();
    const set = await tenant.api.put<Instance>(`/v1/instances/${id}/access-policy`, { anonymous: 'quick_deny', onBackendFailure: 'ignore' });
    expect(set.status).toBe(200);
    // The authorization part is left as it is when the body leaves it out (a new instance: noMatch deny).
    expect(set.body.accessPolicy).toEqual({ anonymous: 'quick_deny', onBackendFailure: 'ignore', authorization: { noMatch: 'deny', denyAction: 'ignore' } });
    await changes.next((e) => e.kind === 'chain' && e.instanceId === id);
    const bad = await tenant.api.put<Problem>(`/v1/instances/${id}/access-policy`, { anonymous: 'maybe' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['anonymous', 'onBackendFailure']);
  });

  it('serves the CA bundle once provisioning made it', async () => {
    const id = await newInstance(tenant.api, 'basic', 'ca');
    const early = await tenant.api.get<Problem>(`/v1/instances/${id}/ca.pem`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('ca-not-ready');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await sql.query('UPDATE instances SET ca_cert_pem = $2 WHERE id = $1', [id, pem]);
    const bundle = await tenant.api.get<string>(`/v1/instances/${id}/ca.pem`);
    expect(bundle.status).toBe(200);
    expect(bundle.contentType).toContain('application/x-pem-file');
    expect(bundle.body).toBe(pem);
  });

  it('deletes an instance: 202 DELETING, deprovisioning queued, announced; further changes refused', async () => {
    const id = await newInstance(tenant.api, 'basic', 'doomed');
    changes.clear();
    const deleted = await tenant.api.delete<Instance>(`/v1/instances/${id}`);
    expect(deleted.status).toBe(202);
    expect(deleted.body.status).toBe('DELETING');
    await changes.next((e) => e.kind === 'instance' && e.instanceId === id);
    expect((await tenant.api.delete<Instance>(`/v1/instances/${id}`)).status).toBe(202);
    expect((await tenant.api.patch<Problem>(`/v1/instances/${id}`, { name: 'x' })).body.code).toBe('instance-deleting');
    await sql.query(`UPDATE instances SET status = 'DELETED' WHERE id = $1`, [id]);
    expect((await tenant.api.get<Problem>(`/v1/instances/${id}`)).body.code).toBe('instance-not-found');
  });

  it('shows every tenant instances to the operator', async () => {
    const list = await operator.get<{ items: (Instance & { tenantId: string })[] }>('/v1/ops/instances');
    expect(list.status).toBe(200);
    expect(list.body.items.some((i) => i.tenantId === tenant.id)).toBe(true);
  });

  it('names bad input', async () => {
    const bad = await tenant.api.post<Problem>('/v1/instances', { name: '', edition: 'gold' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors?.map((e) => e.field).sort()).toEqual(['edition', 'name']);
    const id = await newInstance(tenant.api, 'basic', 'input');
    expect((await tenant.api.patch<Problem>(`/v1/instances/${id}`, {})).status).toBe(422);
    expect((await tenant.api.patch<Problem>(`/v1/instances/${id}`, { edition: 'gold' })).body.errors?.[0]?.field).toBe('edition');
    expect((await tenant.api.get<Problem>('/v1/instances?limit=0')).status).toBe(422);
    expect((await tenant.api.get<Problem>('/v1/instances?cursor=nonsense')).body.code).toBe('invalid-cursor');
    expect((await tenant.api.get<Problem>('/v1/instances/not-a-uuid')).body.code).toBe('instance-not-found');
  });

  it('records instance changes in the audit log', async () => {
    const audit = await tenant.api.get<{ items: { action: string; details: Record<string, unknown> }[] }>('/v1/audit-events?limit=500');
    const actions = new Set(audit.body.items.map((e) => e.action));
    for (const action of ['instance.create', 'instance.update', 'instance.delete', 'instance.access-policy', 'user.import', 'device.create']) expect(actions).toContain(action);
    const downgrade = audit.body.items.find((e) => e.action === 'instance.update' && e.details['previousEdition'] === 'platinum' && e.details['edition'] === 'professional');
    expect(downgrade).toBeDefined();
  });
});
