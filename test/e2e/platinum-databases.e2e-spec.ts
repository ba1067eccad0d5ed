import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createConnection, type Connection } from 'mysql2/promise';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { slappasswd, startSlapd, type Slapd } from '../../libs/auth-drivers/src/external/slapd.spec-helper';
import { addAuthenticator, connackCode, untilConnack } from '../support/auth';
import { newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const run = promisify(execFile);
const SHA256 = { name: 'sha256', saltPosition: 'prefix' };

/** EMQX's sha256 with a prefix salt, made by OpenSSL rather than our code. */
async function opensslSha256(text: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'printf "%s" "$1" | openssl dgst -sha256 -r', 'sh', text]);
  return stdout.split(' ')[0]!;
}

describe('platinum: external password databases and LDAP in a real chain, from the console API to MQTT clients', () => {
  const suffix = randomBytes(4).toString('hex');
  let db: TestDatabase;
  let authDb: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;
  let mysql: Connection;
  let redis: Redis;
  let slapd: Slapd;
  const mysqlDb = `mqc_e2e_${suffix}`;
  const redisPrefix = `mqc-e2e-${suffix}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The tenant's own PostgreSQL database, on the same server.
    authDb = await createTestDatabase();
    const pg = new Client({ connectionString: authDb.url });
    await pg.connect();
    await pg.query('CREATE TABLE mqtt_user (username text PRIMARY KEY, password_hash text NOT NULL, salt text NOT NULL, is_superuser boolean NOT NULL DEFAULT false)');
    await pg.query('INSERT INTO mqtt_user VALUES ($1, $2, $3, true)', ['pg-user', await opensslSha256('pg-saltpg-pw'), 'pg-salt']);
    await pg.end();

    mysql = await createConnection({ host: '127.0.0.1', user: 'root' });
    await mysql.query(`CREATE DATABASE ${mysqlDb}`);
    await mysql.query(`CREATE TABLE ${mysqlDb}.mqtt_user (username varchar(100) PRIMARY KEY, password_hash text, salt text, is_superuser tinyint)`);
    await mysql.execute(`INSERT INTO ${mysqlDb}.mqtt_user VALUES (?, ?, ?, 0)`, ['my-user', await opensslSha256('my-saltmy-pw'), 'my-salt']);

    redis = new Redis('redis://127.0.0.1:6379');
    await redis.hset(`${redisPrefix}:redis-user`, { password_hash: await opensslSha256('rd-saltrd-pw'), salt: 'rd-salt' });

    slapd = await startSlapd();
    await slapd.add(`ou=devices,${slapd.suffix}`, { objectClass: 'organizationalUnit', ou: 'devices' });
    await slapd.add(`uid=ldap-user,ou=devices,${slapd.suffix}`, { objectClass: 'inetOrgPerson', uid: 'ldap-user', cn: 'l', sn: 'l', userPassword: slappasswd('{SSHA}', 'ldap-pw') });

    stack = await startStack(testConfig({ outboundAllow: ['127.0.0.1'] }), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'platinum-dbs', 'platinum');
    url = instance.endpoints!.mqtt;
    await addAuthenticator(tenant, instance.id, 'postgresql', {
      url: authDb.url.replace('localhost', '127.0.0.1'),
      query: 'SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = ${username} LIMIT 1',
      passwordHash: SHA256,
    });
    await addAuthenticator(tenant, instance.id, 'mysql', {
      url: `mysql://root@127.0.0.1:3306/${mysqlDb}`,
      query: 'SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = ${username}',
      passwordHash: SHA256,
    });
    await addAuthenticator(tenant, instance.id, 'redis', { url: 'redis://127.0.0.1:6379/0', command: `HMGET ${redisPrefix}:\${username} password_hash salt`, passwordHash: SHA256 });
    await addAuthenticator(tenant, instance.id, 'ldap', { url: slapd.url, baseDn: `ou=devices,${slapd.suffix}`, filter: '(uid=${username})', method: 'bind' });
    await untilConnack(url, { username: 'ldap-user', password: 'ldap-pw' }, 0);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
    await authDb?.drop();
    await mysql?.query(`DROP DATABASE IF EXISTS ${mysqlDb}`);
    await mysql?.end();
    await redis?.del(`${redisPrefix}:redis-user`);
    redis?.disconnect();
    await slapd?.stop();
  });

  it('lets each store judge its own users, in chain order (3.1.1 and 5.0 clients)', async () => {
    for (const [username, password] of [
      ['pg-user', 'pg-pw'],
      ['my-user', 'my-pw'],
      ['redis-user', 'rd-pw'],
      ['ldap-user', 'ldap-pw'],
    ]) {
      expect(await connackCode(url, { protocolVersion: 4, username, password }), username).toBe(0);
      expect(await connackCode(url, { protocolVersion: 5, username, password }), username).toBe(0);
      expect(await connackCode(url, { protocolVersion: 4, username, password: `${password}!` }), username).toBe(4);
    }
  });

  it('a client that no store knows, or an injection attempt as user name, is refused', async () => {
    for (const username of ["' OR 1=1 --", '"; DROP TABLE mqtt_user; --', '*)(uid=*', '*', 'nobody']) {
      expect(await connackCode(url, { protocolVersion: 5, username, password: 'x' }), username).toBe(0x86);
    }
    const pg = new Client({ connectionString: authDb.url });
    await pg.connect();
    expect((await pg.query('SELECT count(*)::int AS n FROM mqtt_user')).rows[0].n).toBe(1);
    await pg.end();
  });

  it('works with mosquitto_pub, an independent MQTT client', async () => {
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(portOf(url)), '-u', 'my-user', '-P', 'my-pw', '-t', 'plant/1', '-m', 'hello', '-V', 'mqttv5']);
    await expect(run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(portOf(url)), '-u', 'my-user', '-P', 'wrong', '-t', 'plant/1', '-m', 'x'])).rejects.toThrow();
  });

  it('shows database passwords masked, and refuses database URLs the operator did not allow', async () => {
    const listed = await tenant.get<{ items: { type: string; config: Record<string, unknown> }[] }>(`/v1/instances/${instance.id}/authenticators`);
    expect(listed.body.items.map((a) => a.type)).toEqual(['postgresql', 'mysql', 'redis', 'ldap']);
    // 127.0.0.1 is allowed for this stack; any other private address is still refused.
    for (const [type, config] of [
      ['postgresql', { url: 'postgres://u:p@127.0.0.2:5432/db', query: 'SELECT password_hash FROM t WHERE u = ${username}' }],
      ['mysql', { url: 'mysql://u@10.1.2.3/db', query: 'SELECT password_hash FROM t WHERE u = ${username}' }],
      ['redis', { url: 'redis://192.168.0.10:6379', command: 'HGET k:${username} password_hash' }],
      ['ldap', { url: 'ldap://169.254.169.254', baseDn: 'dc=x', filter: '(uid=${username})' }],
    ] as const) {
      const refused = await tenant.post<{ errors?: { field: string; message: string }[] }>(`/v1/instances/${instance.id}/authenticators`, { type, config });
      expect(refused.status, type).toBe(422);
      expect(refused.body.errors?.[0]?.field, type).toBe('config.url');
    }
  });

  it('is platinum only: a professional instance cannot add an external database', async () => {
    const professional = await runningInstance(tenant, 'pro-dbs', 'professional');
    for (const type of ['postgresql', 'mysql', 'redis', 'ldap']) {
      const refused = await tenant.post<{ code: string }>(`/v1/instances/${professional.id}/authenticators`, { type, config: {} });
      expect(refused.status, type).toBe(403);
      expect(refused.body.code).toBe('method-not-in-edition');
    }
  });
});
