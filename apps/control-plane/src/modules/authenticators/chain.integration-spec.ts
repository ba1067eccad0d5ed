import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHENTICATOR_TYPES, editionAllowsType, parseStoredConfig, type AuthenticatorType } from '@mqc/auth';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import { EDITION_NAMES } from '@mqc/editions';
import { testConfig } from '@mqc/testing';
import { newInstance, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  requiredEdition?: string;
  errors?: { field: string; message: string }[];
}

interface Authenticator {
  id: string;
  type: string;
  config: Record<string, unknown>;
  enabled: boolean;
  position: number;
  metrics: { total: number; allow: number; deny: number; ignore: number; error: number; latencyMsAvg: number; latencyMsMax: number; reportedAt: string | null };
}

/** A valid configuration per type; URLs are public IP literals, so no name needs resolving. */
const VALID_CONFIG: Record<AuthenticatorType, Record<string, unknown>> = {
  'built-in-database': { userIdType: 'username', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 } },
  jwt: { secret: 'hmac-secret', verifyClaims: { sub: '${clientid}' } },
  http: { url: 'https://93.184.216.34/mqtt', headers: { 'x-api-key': 'k-123' }, body: { clientid: '${clientid}' } },
  'device-secret': { maxTokenLifetimeSeconds: 3600 },
  x509: { identityFrom: 'cn', as: 'clientid' },
  postgresql: { url: 'postgres://mqtt:pg-pass@93.184.216.34/auth', query: 'SELECT password_hash, salt FROM mqtt_user WHERE username = ${username}' },
  mysql: { url: 'mysql://mqtt@93.184.216.34/auth', password: 'my-pass', query: 'SELECT password_hash FROM mqtt_user WHERE username = ${username}' },
  redis: { url: 'redis://93.184.216.34:6379/0', command: 'HMGET mqtt_user:${username} password_hash salt' },
  mongodb: { url: 'mongodb://mqtt:mongo-pass@93.184.216.34:27017', database: 'mqtt', collection: 'users', filter: { username: '${username}' } },
  ldap: { url: 'ldap://93.184.216.34', baseDn: 'ou=devices,dc=example,dc=com', filter: '(uid=${username})', bindDn: 'cn=svc', bindPassword: 'ldap-pass' },
  scram: { algorithm: 'sha512', iterationCount: 8192 },
  psk: { identities: { 'device-1': '00112233445566778899aabbccddeeff' } },
};

const SECRETS = ['hmac-secret', 'k-123', 'pg-pass', 'my-pass', 'mongo-pass', 'ldap-pass', '00112233445566778899aabbccddeeff'];

describe('the authentication chain', () => {
  // An operator who lets tenants reach one internal name and one internal network.
  const config = testConfig({ outboundAllow: ['auth.internal', '10.99.0.0/16'] });
  let fixture: ControlPlaneFixture;
  let tenant: Tenant;
  let changes: EventLog;
  let sql: Client;

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ tenant, changes, sql } = fixture);
  });

  afterAll(() => fixture?.close());

  describe('the edition matrix: each method on each edition', () => {
    const instances: Record<string, string> = {};
    beforeAll(async () => {
      for (const edition of EDITION_NAMES) instances[edition] = await newInstance(tenant.api, edition, `matrix-${edition}`);
    });

    it.each(EDITION_NAMES.flatMap((edition) => AUTHENTICATOR_TYPES.map((type) => [type, edition] as const)))('%s on %s', async (type, edition) => {
      const response = await tenant.api.post<Authenticator & Problem>(`/v1/instances/${instances[edition]}/authenticators`, { type, config: VALID_CONFIG[type] });
      if (editionAllowsType(edition, type)) {
        expect(response.status).toBe(201);
        expect(response.body.type).toBe(type);
      } else {
        expect(response.status).toBe(403);
        expect(response.contentType).toContain('application/problem+json');
        expect(response.body.code).toBe('method-not-in-edition');
        expect(response.body.requiredEdition).toBe(['jwt', 'http', 'device-secret'].includes(type) ? 'professional' : 'platinum');
      }
    });

    it('never shows a secret, and stores none in the clear', async () => {
      const list = await tenant.api.get<{ items: Authenticator[] }>(`/v1/instances/${instances['platinum']}/authenticators`);
      expect(list.body.items).toHaveLength(AUTHENTICATOR_TYPES.length);
      const text = JSON.stringify(list.body);
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      const jwt = list.body.items.find((a) => a.type === 'jwt')!;
      expect(jwt.config['secret']).toBe('********');
      const http = list.body.items.find((a) => a.type === 'http')!;
      expect(http.config['headers']).toEqual({ 'x-api-key': '********' });
      const pg = list.body.items.find((a) => a.type === 'postgresql')!;
      expect(pg.config['url']).toBe('postgres://mqtt:********@93.184.216.34/auth');

      const rows = await sql.query<{ id: string; type: AuthenticatorType; config: Record<string, unknown>; secrets_sealed: string | null }>(
        'SELECT id, type, config, secrets_sealed FROM authenticators WHERE instance_id = $1',
        [instances['platinum']],
      );
      const box = new SecretBox(config.masterKey);
      for (const row of rows.rows) {
        const stored = JSON.stringify(row.config) + (row.secrets_sealed ?? '');
        for (const secret of SECRETS) expect(stored).not.toContain(secret);
        // The broker's way back to the full configuration.
        const opened = row.secrets_sealed ? box.openText(row.secrets_sealed, SECRET_CONTEXT.authenticatorSecrets(row.id)) : undefined;
        const full = parseStoredConfig(row.type, row.config, opened);
        expect(full).toMatchObject(VALID_CONFIG[row.type]);
      }
    });
  });

  describe('CRUD, order and enablement', () => {
    let instance: string;
    let first: Authenticator;
    let second: Authenticator;

    beforeAll(async () => {
      instance = await newInstance(tenant.api, 'professional', 'crud');
    });

    it('appends authenticators in order and announces each change', async () => {
      changes.clear();
      const a = await tenant.api.post<Authenticator>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({ position: 0, enabled: true, config: { userIdType: 'username', passwordHash: { name: 'sha256', saltPosition: 'prefix' } } });
      await changes.next((e) => e.kind === 'chain' && e.instanceId === instance);
      const b = await tenant.api.post<Authenticator>(`/v1/instances/${instance}/authenticators`, { type: 'jwt', config: { secret: 'first-secret' }, enabled: false });
      expect(b.body).toMatchObject({ position: 1, enabled: false });
      first = a.body;
      second = b.body;
      const got = await tenant.api.get<Authenticator>(`/v1/instances/${instance}/authenticators/${second.id}`);
      expect(got.status).toBe(200);
      expect(got.body.config['secret']).toBe('********');
    });

    it('enables, disables and replaces a configuration, keeping a secret sent back masked', async () => {
      changes.clear();
      const enabled = await tenant.api.patch<Authenticator>(`/v1/instances/${instance}/authenticators/${second.id}`, { enabled: true });
      expect(enabled.body.enabled).toBe(true);
      await changes.next((e) => e.kind === 'chain' && e.instanceId === instance);

      const edited = await tenant.api.patch<Authenticator>(`/v1/instances/${instance}/authenticators/${second.id}`, {
        config: { ...enabled.body.config, from: 'username' },
      });
      expect(edited.status).toBe(200);
      expect(edited.body.config).toMatchObject({ from: 'username', secret: '********' });
      const row = await sql.query<{ config: Record<string, unknown>; secrets_sealed: string }>('SELECT config, secrets_sealed FROM authenticators WHERE id = $1', [second.id]);
      const opened = new SecretBox(config.masterKey).openText(row.rows[0]!.secrets_sealed, SECRET_CONTEXT.authenticatorSecrets(second.id));
      expect(parseStoredConfig('jwt', row.rows[0]!.config, opened)).toMatchObject({ from: 'username', secret: 'first-secret' });

      const replaced = await tenant.api.patch<Authenticator>(`/v1/instances/${instance}/authenticators/${second.id}`, { config: { jwksUrl: 'https://93.184.216.34/jwks.json' } });
      expect(replaced.status).toBe(200);
      expect(replaced.body.config).not.toHaveProperty('secret');
      const cleared = await sql.query<{ secrets_sealed: string | null }>('SELECT secrets_sealed FROM authenticators WHERE id = $1', [second.id]);
      expect(cleared.rows[0]!.secrets_sealed).toBeNull();

      const disabled = await tenant.api.patch<Authenticator>(`/v1/instances/${instance}/authenticators/${second.id}`, { enabled: false });
      expect(disabled.body.enabled).toBe(false);
    });

    it('refuses a mask that stands for no stored secret', async () => {
      const refused = await tenant.api.patch<Problem>(`/v1/instances/${instance}/authenticators/${second.id}`, { config: { secret: '********' } });
      expect(refused.status).toBe(422);
      expect(refused.body.errors?.[0]?.field).toBe('config.secret');
    });

    it('reorders the chain and refuses an order that does not name each authenticator once', async () => {
      changes.clear();
      const reordered = await tenant.api.put<{ items: Authenticator[] }>(`/v1/instances/${instance}/authenticators/order`, { ids: [second.id, first.id] });
      expect(reordered.status).toBe(200);
      expect(reordered.body.items.map((a) => [a.id, a.position])).toEqual([
        [second.id, 0],
        [first.id, 1],
      ]);
      await changes.next((e) => e.kind === 'chain' && e.instanceId === instance);
      for (const ids of [[first.id], [first.id, first.id], [first.id, second.id, '00000000-0000-4000-8000-000000000000']]) {
        const refused = await tenant.api.put<Problem>(`/v1/instances/${instance}/authenticators/order`, { ids });
        expect(refused.status).toBe(422);
        expect(refused.body.errors?.[0]?.field).toBe('ids');
      }
      expect((await tenant.api.put<Problem>(`/v1/instances/${instance}/authenticators/order`, { ids: ['nope'] })).body.errors?.[0]?.field).toBe('ids.0');
    });

    it('deletes an authenticator and closes the gap in positions', async () => {
      changes.clear();
      expect((await tenant.api.delete(`/v1/instances/${instance}/authenticators/${second.id}`)).status).toBe(204);
      await changes.next((e) => e.kind === 'chain' && e.instanceId === instance);
      const list = await tenant.api.get<{ items: Authenticator[] }>(`/v1/instances/${instance}/authenticators`);
      expect(list.body.items.map((a) => [a.id, a.position])).toEqual([[first.id, 0]]);
      expect((await tenant.api.get<Problem>(`/v1/instances/${instance}/authenticators/${second.id}`)).body.code).toBe('authenticator-not-found');
    });

    it('holds the single-registry types once, and enforces the chain length of the edition', async () => {
      const twice = await tenant.api.post<Problem>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('authenticator-type-exists');
      // professional: 8 per chain; webhooks may appear several times.
      for (let i = 1; i < 8; i++) {
        expect((await tenant.api.post(`/v1/instances/${instance}/authenticators`, { type: 'http', config: { url: `https://93.184.216.${i}/auth` } })).status).toBe(201);
      }
      const ninth = await tenant.api.post<Problem & { quota: string; limit: number }>(`/v1/instances/${instance}/authenticators`, { type: 'http', config: { url: 'https://1.1.1.1/a' } });
      expect(ninth.status).toBe(409);
      expect(ninth.body).toMatchObject({ code: 'quota-exceeded', quota: 'authenticatorsPerChain', limit: 8 });
    });
  });

  describe('configuration validation', () => {
    let instance: string;
    beforeAll(async () => {
      instance = await newInstance(tenant.api, 'platinum', 'validation');
    });

    async function refused(type: string, cfg: unknown): Promise<Problem> {
      const response = await tenant.api.post<Problem>(`/v1/instances/${instance}/authenticators`, { type, config: cfg });
      expect(response.status).toBe(422);
      expect(response.contentType).toContain('application/problem+json');
      return response.body;
    }

    it('names the secret field of a JWT authenticator with neither secret, key nor JWKS URL', async () => {
      const problem = await refused('jwt', { from: 'password' });
      expect(problem.code).toBe('validation-failed');
      expect(problem.errors).toEqual([{ field: 'config.secret', message: 'give one of secret, publicKey or jwksUrl to verify tokens with' }]);
    });

    it('names each bad field of every type', async () => {
      expect((await refused('redis', { url: 'redis://93.184.216.34', command: 'SET k v' })).errors?.[0]).toEqual({
        field: 'config.command',
        message: 'command must be HGET or HMGET (a read of a hash), not SET',
      });
      expect((await refused('http', { url: 'https://93.184.216.34', method: 'DELETE' })).errors?.[0]?.field).toBe('config.method');
      expect((await refused('built-in-database', { passwordHash: { name: 'crc32' } })).errors?.[0]?.field).toBe('config.passwordHash.name');
      expect((await refused('postgresql', { url: 'postgres://93.184.216.34/x', query: 'DROP TABLE x' })).errors?.[0]?.field).toBe('config.query');
      expect((await refused('x509', { identityFrom: 'cn', sneaky: true })).errors?.[0]?.message).toMatch(/unknown field\(s\) for x509: sneaky/);
      expect((await refused('jwt', { secret: 's', verifyClaims: { sub: '${nope}' } })).errors?.[0]?.field).toBe('config.verifyClaims.sub');
    });

    it('refuses the request shape itself: unknown type, config not an object', async () => {
      const unknown = await tenant.api.post<Problem>(`/v1/instances/${instance}/authenticators`, { type: 'kerberos', config: {} });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors?.[0]?.field).toBe('type');
      const notObject = await tenant.api.post<Problem>(`/v1/instances/${instance}/authenticators`, { type: 'jwt', config: 'secret' });
      expect(notObject.body.errors?.[0]?.field).toBe('config');
      const created = await tenant.api.post<Authenticator>(`/v1/instances/${instance}/authenticators`, { type: 'x509', config: {} });
      expect((await tenant.api.patch<Problem>(`/v1/instances/${instance}/authenticators/${created.body.id}`, {})).status).toBe(422);
      expect((await tenant.api.patch<Problem>(`/v1/instances/${instance}/authenticators/${created.body.id}`, { enabled: 'yes' })).body.errors?.[0]?.field).toBe('enabled');
    });

    it('refuses unknown built-in-database fields by name, on create and on PATCH, and changes nothing', async () => {
      const own = await newInstance(tenant.api, 'basic', 'strict-built-in');
      const emqx = await tenant.api.post<Problem>(`/v1/instances/${own}/authenticators`, {
        type: 'built-in-database',
        config: { mechanism: 'password_based', backend: 'built_in_database', user_id_type: 'clientid', password_hash_algorithm: { name: 'bcrypt' } },
      });
      expect(emqx.status).toBe(422);
      expect(emqx.body.errors).toEqual([
        { field: 'config', message: 'unknown field(s) for built-in-database: mechanism, backend, user_id_type, password_hash_algorithm' },
      ]);
      const created = await tenant.api.post<Authenticator>(`/v1/instances/${own}/authenticators`, { type: 'built-in-database', config: {} });
      expect(created.status).toBe(201);
      const typo = await tenant.api.patch<Problem>(`/v1/instances/${own}/authenticators/${created.body.id}`, { config: { userIDType: 'clientid' } });
      expect(typo.status).toBe(422);
      expect(typo.body.errors).toEqual([{ field: 'config', message: 'unknown field(s) for built-in-database: userIDType' }]);
      const after = await tenant.api.get<Authenticator>(`/v1/instances/${own}/authenticators/${created.body.id}`);
      expect(after.body.config).toEqual(created.body.config);
    });

    it('reads http(s) URLs as the HTTP client does: the backslash trick and URL credentials are refused when saved', async () => {
      // WHATWG (undici) reads this as 127.0.0.1:28080; a naive split saw the host 8.8.8.8 and accepted it.
      const backslash = await refused('http', { url: 'http://127.0.0.1:28080\\@8.8.8.8/' });
      expect(backslash.errors).toEqual([{ field: 'config.url', message: 'url must not contain a backslash (\\): HTTP clients read it as /; write %5C if it is data' }]);
      const credentials = await refused('http', { url: 'https://user:pw@93.184.216.34/auth' });
      expect(credentials.code).toBe('url-not-allowed');
      expect(credentials.errors?.[0]?.field).toBe('config.url');
      expect(credentials.errors?.[0]?.message).toMatch(/may not carry credentials/);
    });

    it('never tells the tenant what an internal name resolves to, and names MQC_OUTBOUND_ALLOW', async () => {
      const problem = await refused('http', { url: 'http://localhost:8080/auth' });
      expect(problem.code).toBe('url-not-allowed');
      expect(problem.errors?.[0]?.message).toBe(
        'localhost resolves to an address that is not public (loopback, private, link-local, metadata or reserved), which tenant URLs may not reach; the operator of a self-hosted MQC may allow it with MQC_OUTBOUND_ALLOW',
      );
      expect(JSON.stringify(problem)).not.toMatch(/127\.0\.0\.1|::1/);
    });

    it('refuses tenant URLs that reach loopback, private, link-local or metadata addresses, naming the field', async () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['http', { url: 'http://localhost:8080/auth' }, 'config.url'],
        ['http', { url: 'http://169.254.169.254/latest/meta-data' }, 'config.url'],
        ['jwt', { jwksUrl: 'https://[::1]/jwks.json' }, 'config.jwksUrl'],
        ['postgresql', { url: 'postgres://u:p@10.1.2.3/db', query: 'SELECT 1' }, 'config.url'],
        ['redis', { url: 'redis://[::ffff:127.0.0.1]:6379', command: 'HGET k password_hash' }, 'config.url'],
      ];
      for (const [type, cfg, field] of cases) {
        const problem = await refused(type, cfg);
        expect(problem.code).toBe('url-not-allowed');
        expect(problem.errors?.[0]?.field).toBe(field);
      }
    });
  });

  describe('the operator allow-list', () => {
    it('lets the hosts and CIDRs of MQC_OUTBOUND_ALLOW through, and nothing else', async () => {
      const instance = await newInstance(tenant.api, 'platinum', 'self-hosted');
      const post = (type: string, cfg: Record<string, unknown>) => tenant.api.post<Problem>(`/v1/instances/${instance}/authenticators`, { type, config: cfg });
      expect((await post('http', { url: 'http://auth.internal:8080/auth' })).status).toBe(201);
      expect((await post('postgresql', { url: 'postgres://10.99.1.2/db', query: 'SELECT 1' })).status).toBe(201);
      expect((await post('http', { url: 'http://10.1.2.3/auth' })).body.code).toBe('url-not-allowed');
      expect((await post('http', { url: 'http://other.internal/auth' })).body.code).toBe('url-not-allowed');
    });
  });

  describe('metrics', () => {
    it('shows zeros until a broker reports, then the sums of every node', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'metrics');
      const created = await tenant.api.post<Authenticator>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
      expect(created.body.metrics).toEqual({ total: 0, allow: 0, deny: 0, ignore: 0, error: 0, latencyMsAvg: 0, latencyMsMax: 0, reportedAt: null });

      const nodes = await sql.query<{ id: string }>(
        `INSERT INTO broker_nodes (name, started_at, last_seen_at) VALUES ('n1', now(), now()), ('n2', now(), now()) RETURNING id`,
      );
      // As broker nodes do: add deltas with an upsert.
      const upsert = `INSERT INTO authenticator_metrics (authenticator_id, node_id, total, allow, deny, ignore, error, latency_ms_sum, latency_ms_max, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
        ON CONFLICT (authenticator_id, node_id) DO UPDATE SET total = authenticator_metrics.total + EXCLUDED.total, allow = authenticator_metrics.allow + EXCLUDED.allow,
          deny = authenticator_metrics.deny + EXCLUDED.deny, ignore = authenticator_metrics.ignore + EXCLUDED.ignore, error = authenticator_metrics.error + EXCLUDED.error,
          latency_ms_sum = authenticator_metrics.latency_ms_sum + EXCLUDED.latency_ms_sum,
          latency_ms_max = greatest(authenticator_metrics.latency_ms_max, EXCLUDED.latency_ms_max), updated_at = now()`;
      const [n1, n2] = nodes.rows.map((r) => r.id);
      await sql.query(upsert, [created.body.id, n1, 10, 6, 2, 1, 1, 50, 12]);
      await sql.query(upsert, [created.body.id, n1, 5, 5, 0, 0, 0, 10, 3]);
      await sql.query(upsert, [created.body.id, n2, 5, 1, 1, 3, 0, 40, 30]);

      const got = await tenant.api.get<Authenticator>(`/v1/instances/${instance}/authenticators/${created.body.id}`);
      expect(got.body.metrics).toMatchObject({ total: 20, allow: 12, deny: 3, ignore: 4, error: 1, latencyMsAvg: 5, latencyMsMax: 30 });
      expect(got.body.metrics.reportedAt).not.toBeNull();
      const list = await tenant.api.get<{ items: Authenticator[] }>(`/v1/instances/${instance}/authenticators`);
      expect(list.body.items[0]!.metrics.total).toBe(20);
    });
  });

  it('records chain changes in the audit log without secrets', async () => {
    const audit = await tenant.api.get<{ items: { action: string }[] }>('/v1/audit-events?limit=500');
    const actions = new Set(audit.body.items.map((e) => e.action));
    for (const action of ['authenticator.create', 'authenticator.update', 'authenticator.reorder', 'authenticator.delete']) expect(actions).toContain(action);
    const text = JSON.stringify(audit.body);
    for (const secret of [...SECRETS, 'first-secret']) expect(text).not.toContain(secret);
  });
});
