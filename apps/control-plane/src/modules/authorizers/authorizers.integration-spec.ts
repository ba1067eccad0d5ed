import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER_TYPES, editionAllowsAuthorizer, parseConfigSecrets, mergeSecrets } from '@mqc/auth';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import { EDITION_NAMES } from '@mqc/editions';
import { testConfig } from '@mqc/testing';
import { newInstance, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  requiredEdition?: string;
  quota?: string;
  limit?: number;
  errors?: { field: string; message: string }[];
  blockers?: Record<string, unknown>[];
}

interface Authorizer {
  id: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  position: number;
  metrics: Record<string, number | string | null>;
}

/** A valid configuration per type; the URL is a public IP literal, so no name needs resolving. */
const VALID_CONFIG: Record<string, Record<string, unknown>> = {
  'built-in-database': {},
  'client-info': {},
  http: { url: 'https://93.184.216.34/authz', headers: { 'x-api-key': 'authz-secret-1' }, body: { topic: '${topic}', clientid: '${clientid}' } },
  postgresql: { url: 'postgres://mqc:db-secret@93.184.216.34/acl', query: 'SELECT permission, action, topic, qos, retain FROM mqtt_acl WHERE username = ${username}' },
  mysql: { url: 'mysql://mqc@93.184.216.34/acl', password: 'db-secret', query: 'SELECT permission, action, topic FROM mqtt_acl WHERE clientid = ${clientid}' },
  redis: { url: 'redis://93.184.216.34:6379/0', command: 'HGETALL mqtt_acl:${username}' },
};

describe('the authorization chain: /v1/instances/{id}/authorizers', () => {
  const config = testConfig();
  let fixture: ControlPlaneFixture;
  let tenant: Tenant;
  let changes: EventLog;
  let sql: Client;

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ tenant, changes, sql } = fixture);
  });

  afterAll(() => fixture?.close());

  const path = (instance: string, rest = '') => `/v1/instances/${instance}/authorizers${rest}`;

  describe('the edition matrix', () => {
    const instances: Record<string, string> = {};
    beforeAll(async () => {
      for (const edition of EDITION_NAMES) instances[edition] = await newInstance(tenant.api, edition, `authz-${edition}`);
    });

    it.each(EDITION_NAMES.flatMap((edition) => AUTHORIZER_TYPES.map((type) => [type, edition] as const)))('%s on %s', async (type, edition) => {
      const response = await tenant.api.post<Authorizer & Problem>(path(instances[edition]!), { type, config: VALID_CONFIG[type] });
      if (editionAllowsAuthorizer(edition, type)) {
        expect(response.status).toBe(201);
        expect(response.body).toMatchObject({ type, enabled: true });
        // The database passwords (in the URL or apart) are sealed: never returned.
        expect(JSON.stringify(response.body.config)).not.toContain('db-secret');
      } else {
        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({ code: 'method-not-in-edition', requiredEdition: EDITION_NAMES.find((e) => editionAllowsAuthorizer(e, type)) });
      }
    });

    it('refuses a database authorizer URL into the cloud own network when saved', async () => {
      for (const [type, url] of [['postgresql', 'postgres://mqc@127.0.0.1/acl'], ['mysql', 'mysql://mqc@10.0.0.5/acl'], ['redis', 'redis://169.254.169.254:6379']] as const) {
        const internal = await tenant.api.post<Problem>(path(instances['platinum']!), { type, config: { ...VALID_CONFIG[type], url } });
        expect(internal.status, type).toBe(422);
        expect(internal.body.code, type).toBe('url-not-allowed');
        expect(internal.body.errors?.[0]?.field, type).toBe('config.url');
      }
    });

    it('masks the http authorizer secret in every answer and stores it sealed only', async () => {
      const list = await tenant.api.get<{ items: Authorizer[] }>(path(instances['platinum']!));
      expect(JSON.stringify(list.body)).not.toContain('authz-secret-1');
      const http = list.body.items.find((a) => a.type === 'http')!;
      expect(http.config).toMatchObject({ url: 'https://93.184.216.34/authz', headers: { 'x-api-key': '********' }, method: 'POST', cacheTtlSeconds: 60 });
      const row = await sql.query<{ config: Record<string, unknown>; secrets_sealed: string }>('SELECT config, secrets_sealed FROM authorizers WHERE id = $1', [http.id]);
      expect(JSON.stringify(row.rows[0])).not.toContain('authz-secret-1');
      const opened = new SecretBox(config.masterKey).openText(row.rows[0]!.secrets_sealed, SECRET_CONTEXT.authorizerSecrets(http.id));
      expect(mergeSecrets(row.rows[0]!.config, parseConfigSecrets(opened))).toMatchObject({ headers: { 'x-api-key': 'authz-secret-1' } });

      // The mask sent back keeps the secret; a mask where none is stored is refused by field.
      const kept = await tenant.api.patch<Authorizer>(path(instances['platinum']!, `/${http.id}`), { config: { ...http.config, timeoutMs: 2000 } });
      expect(kept.status).toBe(200);
      expect(kept.body.config).toMatchObject({ timeoutMs: 2000, headers: { 'x-api-key': '********' } });
      const reopened = await sql.query<{ config: Record<string, unknown>; secrets_sealed: string }>('SELECT config, secrets_sealed FROM authorizers WHERE id = $1', [http.id]);
      const merged = mergeSecrets(reopened.rows[0]!.config, parseConfigSecrets(new SecretBox(config.masterKey).openText(reopened.rows[0]!.secrets_sealed, SECRET_CONTEXT.authorizerSecrets(http.id))));
      expect(merged).toMatchObject({ headers: { 'x-api-key': 'authz-secret-1' } });
      const bogus = await tenant.api.patch<Problem>(path(instances['platinum']!, `/${http.id}`), { config: { url: 'https://93.184.216.34/authz', headers: { other: '********' } } });
      expect(bogus.status).toBe(422);
      expect(bogus.body.errors?.[0]?.field).toBe('config.headers.other');
    });

    it('refuses enabling an authorizer the edition lacks, and a downgrade while one is enabled', async () => {
      const pro = instances['professional']!;
      const chain = await tenant.api.get<{ items: Authorizer[] }>(path(pro));
      const http = chain.body.items.find((a) => a.type === 'http')!;
      const downgrade = await tenant.api.patch<Problem>(`/v1/instances/${pro}`, { edition: 'basic' });
      expect(downgrade.status).toBe(409);
      expect(downgrade.body.code).toBe('edition-downgrade-blocked');
      expect(downgrade.body.blockers).toEqual(
        expect.arrayContaining([
          { kind: 'method', method: 'http', authorizerType: 'http' },
          { kind: 'method', method: 'jwt', authorizerType: 'client-info' },
        ]),
      );
      // Disabled authorizers do not block; the chain then fits basic's two authorizers.
      for (const a of chain.body.items.filter((x) => x.type !== 'built-in-database')) {
        expect((await tenant.api.patch(path(pro, `/${a.id}`), { enabled: false })).status).toBe(200);
      }
      await tenant.api.delete(path(pro, `/${http.id}`));
      const after = await tenant.api.patch<{ edition: string }>(`/v1/instances/${pro}`, { edition: 'basic' });
      expect(after.status).toBe(200);
      const clientInfo = chain.body.items.find((a) => a.type === 'client-info')!;
      const enable = await tenant.api.patch<Problem>(path(pro, `/${clientInfo.id}`), { enabled: true });
      expect(enable.status).toBe(403);
      expect(enable.body).toMatchObject({ code: 'method-not-in-edition', requiredEdition: 'professional' });
      // Disabling again is always allowed.
      expect((await tenant.api.patch(path(pro, `/${clientInfo.id}`), { enabled: false })).status).toBe(200);
    });
  });

  describe('CRUD, order, once per chain, quota', () => {
    let instance: string;
    let rules: Authorizer;
    let info: Authorizer;

    beforeAll(async () => {
      instance = await newInstance(tenant.api, 'professional', 'authz-crud');
    });

    it('appends authorizers in order and announces each change as an authorization event', async () => {
      changes.clear();
      const a = await tenant.api.post<Authorizer>(path(instance), { type: 'built-in-database' });
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({ position: 0, enabled: true, config: {} });
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      const b = await tenant.api.post<Authorizer>(path(instance), { type: 'client-info', config: {}, enabled: false });
      expect(b.body).toMatchObject({ position: 1, enabled: false });
      rules = a.body;
      info = b.body;
      expect((await tenant.api.get<Authorizer>(path(instance, `/${info.id}`))).body).toMatchObject({ id: info.id, type: 'client-info' });
    });

    it('records each change in the audit log', async () => {
      const audit = await tenant.api.get<{ items: { action: string; resourceId: string }[] }>('/v1/audit-events?limit=500');
      expect(audit.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'authorizer.create', resourceId: rules.id })]));
    });

    it('holds built-in-database and client-info once', async () => {
      for (const type of ['built-in-database', 'client-info']) {
        const twice = await tenant.api.post<Problem>(path(instance), { type });
        expect(twice.status).toBe(409);
        expect(twice.body.code).toBe('authorizer-type-exists');
      }
    });

    it('names each bad field with a 422', async () => {
      const unknownType = await tenant.api.post<Problem>(path(instance), { type: 'mongodb', config: {} });
      expect(unknownType.status).toBe(422);
      expect(unknownType.body.errors?.[0]?.field).toBe('type');
      const badMethod = await tenant.api.post<Problem>(path(instance), { type: 'http', config: { url: 'https://93.184.216.34/a', method: 'PUT' } });
      expect(badMethod.body.errors?.[0]?.field).toBe('config.method');
      const extra = await tenant.api.post<Problem>(path(instance), { type: 'client-info', config: { claim: 'acl' } });
      expect(extra.status).toBe(422);
      expect(extra.body.errors?.[0]?.message).toMatch(/unknown field\(s\) for client-info: claim/);
      expect((await tenant.api.patch<Problem>(path(instance, `/${info.id}`), {})).status).toBe(422);
    });

    it('refuses an http authorizer URL into the cloud own network when saved', async () => {
      const internal = await tenant.api.post<Problem>(path(instance), { type: 'http', config: { url: 'http://127.0.0.1:9999/authz' } });
      expect(internal.status).toBe(422);
      expect(internal.body.code).toBe('url-not-allowed');
      expect(internal.body.errors?.[0]?.field).toBe('config.url');
    });

    it('reorders the chain and refuses an order that does not name each authorizer once', async () => {
      changes.clear();
      const reordered = await tenant.api.put<{ items: Authorizer[] }>(path(instance, '/order'), { ids: [info.id, rules.id] });
      expect(reordered.status).toBe(200);
      expect(reordered.body.items.map((a) => [a.id, a.position])).toEqual([
        [info.id, 0],
        [rules.id, 1],
      ]);
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      for (const ids of [[info.id], [info.id, info.id], [info.id, rules.id, '00000000-0000-4000-8000-000000000000']]) {
        const refused = await tenant.api.put<Problem>(path(instance, '/order'), { ids });
        expect(refused.status).toBe(422);
        expect(refused.body.errors?.[0]?.field).toBe('ids');
      }
    });

    it('enforces the authorizers per chain of the edition', async () => {
      // professional: 8 per chain; http authorizers may appear several times.
      for (let i = 1; i <= 6; i++) {
        expect((await tenant.api.post(path(instance), { type: 'http', config: { url: `https://93.184.216.${i}/authz` } })).status).toBe(201);
      }
      const ninth = await tenant.api.post<Problem & { used: number; adding: number }>(path(instance), { type: 'http', config: { url: 'https://1.1.1.1/a' } });
      expect(ninth.status).toBe(409);
      expect(ninth.body).toMatchObject({ code: 'quota-exceeded', quota: 'authorizersPerChain', limit: 8, used: 8, adding: 1 });
    });

    it('deletes an authorizer and closes the gap in positions', async () => {
      changes.clear();
      expect((await tenant.api.delete(path(instance, `/${info.id}`))).status).toBe(204);
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      const list = await tenant.api.get<{ items: Authorizer[] }>(path(instance));
      expect(list.body.items.map((a) => a.position)).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(list.body.items[0]!.id).toBe(rules.id);
      expect((await tenant.api.get<Problem>(path(instance, `/${info.id}`))).body.code).toBe('authorizer-not-found');
    });

    it('shows each authorizer metrics summed over the broker nodes that reported them', async () => {
      const fresh = await tenant.api.get<Authorizer>(path(instance, `/${rules.id}`));
      expect(fresh.body.metrics).toEqual({ total: 0, allow: 0, deny: 0, noMatch: 0, error: 0, cacheHits: 0, latencyMsAvg: 0, latencyMsMax: 0, reportedAt: null });
      const nodes = await sql.query<{ id: string }>(`INSERT INTO broker_nodes (name, started_at, last_seen_at) VALUES ('z1', now(), now()), ('z2', now(), now()) RETURNING id`);
      const [n1, n2] = nodes.rows.map((r) => r.id);
      const insert = `INSERT INTO authorizer_metrics (authorizer_id, node_id, total, allow, deny, no_match, error, cache_hits, latency_ms_sum, latency_ms_max, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())`;
      await sql.query(insert, [rules.id, n1, 10, 6, 2, 1, 1, 40, 50, 12]);
      await sql.query(insert, [rules.id, n2, 10, 4, 3, 3, 0, 60, 50, 30]);
      const got = await tenant.api.get<{ items: Authorizer[] }>(path(instance));
      const metrics = got.body.items.find((a) => a.id === rules.id)!.metrics;
      expect(metrics).toMatchObject({ total: 20, allow: 10, deny: 5, noMatch: 4, error: 1, cacheHits: 100, latencyMsAvg: 5, latencyMsMax: 30 });
      expect(metrics['reportedAt']).not.toBeNull();
    });
  });
});
