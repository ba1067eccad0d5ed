import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { type ConnectCredentials, postgresqlConfigSchema } from '@mqc/auth';
import { casesBySetting, HASH_CASES, INJECTIONS } from '../external/hash-cases.spec-helper';
import { PostgresqlAuthenticator } from './postgresql.authenticator';

const ALLOW_LOOPBACK = ['127.0.0.1'];
const QUERY = 'SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = ${username} LIMIT 1';

function client(username: string | undefined, password?: string, extra: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: '00000000-0000-4000-8000-000000000001',
    clientId: 'device-1',
    username,
    password: password === undefined ? undefined : Buffer.from(password, 'utf8'),
    peerHost: '203.0.113.9',
    protocolVersion: 5,
    ...extra,
  };
}

describe('PostgresqlAuthenticator against a real PostgreSQL', () => {
  let database: TestDatabase;
  let admin: Client;
  let url: string;
  const role = `mqc_auth_${randomBytes(4).toString('hex')}`;
  const rolePassword = `pw-${randomBytes(6).toString('hex')}`;
  const opened: PostgresqlAuthenticator[] = [];

  function authenticator(config: Record<string, unknown> = {}, allow: readonly string[] = ALLOW_LOOPBACK): PostgresqlAuthenticator {
    const parsed = postgresqlConfigSchema.parse({ url, query: QUERY, ...config });
    const created = new PostgresqlAuthenticator(`pg-${opened.length}`, parsed, { outboundAllowList: allow });
    opened.push(created);
    return created;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`);
    await admin.query(`CREATE TABLE mqtt_user (username text PRIMARY KEY, password_hash text, salt text, is_superuser boolean NOT NULL DEFAULT false, password text)`);
    await admin.query(`GRANT SELECT ON mqtt_user TO ${role}`);
    for (const c of HASH_CASES) {
      await admin.query('INSERT INTO mqtt_user (username, password_hash, salt) VALUES ($1, $2, $3)', [c.username, c.hash, c.salt]);
    }
    // A user whose name is an injection attempt: it is just a name.
    await admin.query(`INSERT INTO mqtt_user (username, password_hash, salt, is_superuser) VALUES ($1, $2, '', true)`, ["' OR 1=1 --", 'plain-pass']);
    await admin.query(`INSERT INTO mqtt_user (username, password, salt) VALUES ('legacy', 'old-style', '')`);
    const u = new URL(database.url);
    url = `postgres://${role}:${rolePassword}@127.0.0.1:${u.port || 5432}${u.pathname}`;
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    await admin?.query(`DROP OWNED BY ${role}`).catch(() => undefined);
    await admin?.end();
    await database?.drop();
    const cleanup = new Client({ connectionString: database.url.replace(/\/[^/]*$/, '/postgres') });
    await cleanup.connect();
    await cleanup.query(`DROP ROLE IF EXISTS ${role}`);
    await cleanup.end();
  });

  describe.each(casesBySetting().map((g) => [JSON.stringify(g.params), g] as const))('rows hashed with %s', (_, group) => {
    it('allows each user with its password and refuses a wrong one', async () => {
      const auth = authenticator({ passwordHash: group.params });
      for (const c of group.cases) {
        expect(await auth.authenticate(client(c.username, c.password)), c.source).toEqual({ kind: 'allow', superuser: false });
        expect(await auth.authenticate(client(c.username, `${c.password}x`)), c.source).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
      }
    });
  });

  it('ignores a client the query finds no row for, and one without the value the query binds', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } });
    expect(await auth.authenticate(client('nobody', 'x'))).toEqual({ kind: 'ignore' });
    expect(await auth.authenticate(client(undefined, 'x'))).toEqual({ kind: 'ignore' });
  });

  it('reads is_superuser, and `password` when the row has no password_hash', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, query: 'SELECT password_hash, password, salt, is_superuser FROM mqtt_user WHERE username = ${username}' });
    expect(await auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    expect(await auth.authenticate(client('legacy', 'old-style'))).toEqual({ kind: 'allow', superuser: false });
    expect(await auth.authenticate(client('legacy'))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
  });

  it('binds every placeholder as a parameter: injection attempts in username, client id and password are plain values', async () => {
    const auth = authenticator({
      passwordHash: { name: 'plain', saltPosition: 'none' },
      query: 'SELECT password_hash, salt FROM mqtt_user WHERE (username = ${username} OR username = ${clientid}) AND ${password}::text IS NOT NULL AND ${username} = username LIMIT 1',
    });
    for (const attempt of INJECTIONS) {
      if (attempt === "' OR 1=1 --") continue; // a real user of that name, above
      expect(await auth.authenticate(client(attempt, attempt, { clientId: attempt })), attempt).toEqual({ kind: 'ignore' });
      expect(await auth.authenticate(client('nobody', `' OR 1=1 --`, { clientId: attempt })), attempt).toEqual({ kind: 'ignore' });
    }
    const still = await admin.query<{ n: string }>('SELECT count(*) AS n FROM mqtt_user');
    expect(Number(still.rows[0]?.n)).toBe(HASH_CASES.length + 2);
  });

  it('refuses at configuration time a placeholder inside quotes, positional parameters and a second statement', () => {
    const issues = (query: string) => postgresqlConfigSchema.safeParse({ url, query }).error?.issues.map((i) => i.message) ?? [];
    expect(issues("SELECT password_hash FROM mqtt_user WHERE username = '${username}'")).toEqual([expect.stringMatching(/inside a quoted string.*bound as parameters/)]);
    expect(issues('SELECT password_hash FROM mqtt_user WHERE username = $1')).toEqual([expect.stringMatching(/not positional parameters/)]);
    expect(issues('SELECT password_hash FROM mqtt_user WHERE username = ${username}; DROP TABLE mqtt_user')).toEqual([expect.stringMatching(/one statement/)]);
    expect(issues('SELECT password_hash FROM mqtt_user -- ${username}')).toEqual([expect.stringMatching(/inside a comment/)]);
    expect(issues("SELECT $$ ${username} $$ AS password_hash")).toEqual([expect.stringMatching(/inside a dollar-quoted string/)]);
    expect(postgresqlConfigSchema.safeParse({ url: `${url}?host=10.0.0.1`, query: QUERY }).error?.issues[0]?.message).toMatch(/parameter host is not supported/);
    expect(postgresqlConfigSchema.safeParse({ url: `${url}?sslrootcert=/etc/passwd`, query: QUERY }).error?.issues[0]?.message).toMatch(/sslrootcert/);
  });

  it('keeps at most poolSize connections however many clients authenticate at once', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, poolSize: 2 });
    const results = await Promise.all(Array.from({ length: 24 }, () => auth.authenticate(client("' OR 1=1 --", 'plain-pass'))));
    expect(results.every((r) => r.kind === 'allow')).toBe(true);
    const sessions = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [`mqc authenticator ${auth.id}`]);
    expect(Number(sessions.rows[0]?.n)).toBeLessThanOrEqual(2);
    expect(Number(sessions.rows[0]?.n)).toBeGreaterThan(0);
  });

  it('gives up on a slow query after timeoutMs: a backend failure for the chain to judge', async () => {
    const auth = authenticator({ timeoutMs: 300, query: 'SELECT password_hash FROM mqtt_user, pg_sleep(3) WHERE username = ${username}' });
    await expect(auth.authenticate(client('legacy', 'x'))).rejects.toThrow(/PostgreSQL postgres:\/\/127\.0\.0\.1:\d+\/\w+: .*(timeout|no answer|canceling statement)/i);
  });

  it('fails (never ignores) when the server cannot be reached, without the password in the message', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const auth = authenticator({ url: `postgres://${role}:${rolePassword}@127.0.0.1:${port}/x`, timeoutMs: 1000 });
    const error = await auth.authenticate(client('legacy', 'x')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/PostgreSQL postgres:\/\/127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/);
    expect(error?.message).not.toContain(rolePassword);
  });

  it('connects only through the private-address guard: loopback is refused without the operator allow-list', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } }, []);
    await expect(auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
  });

  it('connects to the address the guard checked: a name resolving to loopback passes only with the allow-list', async () => {
    const named = postgresqlConfigSchema.parse({ url: url.replace('127.0.0.1', 'db.example.test'), query: QUERY, passwordHash: { name: 'plain', saltPosition: 'none' } });
    const resolve = async () => ['127.0.0.1'];
    const refused = new PostgresqlAuthenticator('pg-named-refused', named, { outboundAllowList: [], resolve });
    const allowed = new PostgresqlAuthenticator('pg-named-allowed', named, { outboundAllowList: ['127.0.0.0/8'], resolve });
    opened.push(refused, allowed);
    await expect(refused.authenticate(client("' OR 1=1 --", 'plain-pass'))).rejects.toThrow(/db\.example\.test resolves to an address that is not public/);
    expect(await allowed.authenticate(client("' OR 1=1 --", 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
  });

  it('uses the separate password setting when the URL has none', async () => {
    const auth = authenticator({ url: url.replace(`:${rolePassword}@`, '@'), password: rolePassword, passwordHash: { name: 'plain', saltPosition: 'none' } });
    expect(await auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
  });
});
