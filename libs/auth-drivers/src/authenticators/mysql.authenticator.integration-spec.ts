import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectCredentials, mysqlConfigSchema } from '@mqc/auth';
import { casesBySetting, HASH_CASES, INJECTIONS } from '../external/hash-cases.spec-helper';
import { MysqlAuthenticator } from './mysql.authenticator';

/** MariaDB or MySQL on the machine (root without a password, as CI runs it). */
const ADMIN = { host: process.env['MQC_TEST_MYSQL_HOST'] ?? '127.0.0.1', port: Number(process.env['MQC_TEST_MYSQL_PORT'] ?? 3306), user: 'root' };
const QUERY = 'SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = ${username} LIMIT 1';

function client(username: string | undefined, password?: string, extra: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: '00000000-0000-4000-8000-000000000002',
    clientId: 'device-1',
    username,
    password: password === undefined ? undefined : Buffer.from(password, 'utf8'),
    peerHost: '203.0.113.9',
    protocolVersion: 4,
    ...extra,
  };
}

describe('MysqlAuthenticator against a real MariaDB', () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `mqc_auth_${suffix}`;
  const user = `mqc_auth_${suffix}`;
  const userPassword = `pw-${randomBytes(6).toString('hex')}`;
  let admin: Connection;
  let url: string;
  const opened: MysqlAuthenticator[] = [];

  function authenticator(config: Record<string, unknown> = {}, allow: readonly string[] = ['127.0.0.1']): MysqlAuthenticator {
    const parsed = mysqlConfigSchema.parse({ url, query: QUERY, ...config });
    const created = new MysqlAuthenticator(`my-${opened.length}`, parsed, { outboundAllowList: allow });
    opened.push(created);
    return created;
  }

  beforeAll(async () => {
    admin = await createConnection(ADMIN);
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${userPassword}'`);
    await admin.query(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${userPassword}'`);
    await admin.query(`GRANT SELECT ON ${database}.* TO '${user}'@'%'`);
    await admin.query(`GRANT SELECT ON ${database}.* TO '${user}'@'localhost'`);
    await admin.query(`CREATE TABLE ${database}.mqtt_user (username varchar(255) PRIMARY KEY, password_hash text, salt text, is_superuser tinyint NOT NULL DEFAULT 0, password text)`);
    for (const c of HASH_CASES) {
      await admin.execute(`INSERT INTO ${database}.mqtt_user (username, password_hash, salt) VALUES (?, ?, ?)`, [c.username, c.hash, c.salt]);
    }
    await admin.execute(`INSERT INTO ${database}.mqtt_user (username, password_hash, salt, is_superuser) VALUES (?, 'plain-pass', '', 1)`, ["' OR 1=1 --"]);
    await admin.execute(`INSERT INTO ${database}.mqtt_user (username, password, salt) VALUES ('legacy', 'old-style', '')`);
    url = `mysql://${user}:${userPassword}@127.0.0.1:${ADMIN.port}/${database}`;
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin?.query(`DROP USER IF EXISTS '${user}'@'localhost'`);
    await admin?.end();
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

  it('reads is_superuser (TINYINT 1), and `password` when the row has no password_hash', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, query: 'SELECT password_hash, password, salt, is_superuser FROM mqtt_user WHERE username = ${username}' });
    expect(await auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    expect(await auth.authenticate(client('legacy', 'old-style'))).toEqual({ kind: 'allow', superuser: false });
  });

  it('binds every placeholder as a parameter: injection attempts in username, client id and password are plain values', async () => {
    const auth = authenticator({
      passwordHash: { name: 'plain', saltPosition: 'none' },
      query: 'SELECT password_hash, salt FROM mqtt_user WHERE (username = ${username} OR username = ${clientid}) AND ${password} IS NOT NULL LIMIT 1',
    });
    for (const attempt of INJECTIONS) {
      if (attempt === "' OR 1=1 --") continue; // a real user of that name, above
      expect(await auth.authenticate(client(attempt, attempt, { clientId: attempt })), attempt).toEqual({ kind: 'ignore' });
      expect(await auth.authenticate(client('nobody', "' OR 1=1 --", { clientId: attempt })), attempt).toEqual({ kind: 'ignore' });
    }
    const [still] = await admin.query<RowDataPacket[]>(`SELECT count(*) AS n FROM ${database}.mqtt_user`);
    expect(Number(still[0]?.['n'])).toBe(HASH_CASES.length + 2);
  });

  it('refuses at configuration time a placeholder inside quotes or a comment, ? parameters and driver options in the URL', () => {
    const issues = (query: string) => mysqlConfigSchema.safeParse({ url, query }).error?.issues.map((i) => i.message) ?? [];
    expect(issues("SELECT password_hash FROM mqtt_user WHERE username = '${username}'")).toEqual([expect.stringMatching(/inside a quoted string/)]);
    expect(issues('SELECT password_hash FROM mqtt_user WHERE username = "${username}"')).toEqual([expect.stringMatching(/inside a quoted name/)]);
    expect(issues('SELECT password_hash FROM mqtt_user WHERE username = ?')).toEqual([expect.stringMatching(/not \? parameters/)]);
    expect(issues('SELECT password_hash FROM mqtt_user # ${username}')).toEqual([expect.stringMatching(/inside a comment/)]);
    expect(mysqlConfigSchema.safeParse({ url: `${url}?socketPath=/run/mysqld/mysqld.sock`, query: QUERY }).error?.issues[0]?.message).toMatch(/socketPath is not supported/);
    expect(mysqlConfigSchema.safeParse({ url: `${url}?multipleStatements=true`, query: QUERY }).error?.issues[0]?.message).toMatch(/multipleStatements/);
  });

  it('keeps at most poolSize connections however many clients authenticate at once', async () => {
    await Promise.all(opened.splice(0).map((a) => a.close()));
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, poolSize: 2 });
    const results = await Promise.all(Array.from({ length: 24 }, () => auth.authenticate(client("' OR 1=1 --", 'plain-pass'))));
    expect(results.every((r) => r.kind === 'allow')).toBe(true);
    const [sessions] = await admin.query<RowDataPacket[]>('SELECT count(*) AS n FROM information_schema.processlist WHERE user = ?', [user]);
    expect(Number(sessions[0]?.['n'])).toBeLessThanOrEqual(2);
    expect(Number(sessions[0]?.['n'])).toBeGreaterThan(0);
  });

  it('gives up on a slow query after timeoutMs: a backend failure for the chain to judge', async () => {
    const auth = authenticator({ timeoutMs: 300, query: 'SELECT password_hash FROM mqtt_user WHERE username = ${username} AND SLEEP(3) = 0' });
    await expect(auth.authenticate(client('legacy', 'x'))).rejects.toThrow(/MySQL mysql:\/\/127\.0\.0\.1:\d+\/\w+: .*(timeout|no answer)/i);
  });

  it('fails (never ignores) when the server cannot be reached, without the password in the message', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const auth = authenticator({ url: `mysql://${user}:${userPassword}@127.0.0.1:${port}/x`, timeoutMs: 1000 });
    const error = await auth.authenticate(client('legacy', 'x')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/MySQL mysql:\/\/127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/);
    expect(error?.message).not.toContain(userPassword);
  });

  it('connects only through the private-address guard: loopback is refused without the operator allow-list', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } }, []);
    await expect(auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
  });

  it('uses the separate password setting when the URL has none, and a wrong one is a backend failure', async () => {
    const bare = url.replace(`:${userPassword}@`, '@');
    const auth = authenticator({ url: bare, password: userPassword, passwordHash: { name: 'plain', saltPosition: 'none' } });
    expect(await auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    const wrong = authenticator({ url: bare, password: 'not-it', passwordHash: { name: 'plain', saltPosition: 'none' } });
    await expect(wrong.authenticate(client("' OR 1=1 --", 'plain-pass'))).rejects.toThrow(/Access denied/);
  });
});
