import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { createConnection, type Connection } from 'mysql2/promise';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { setPolicy } from '../support/auth';
import { grant, mosquittoSubOne, setAuthorizationPolicy } from '../support/authorization';
import { connectClient, newTenant, portOf, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const run = promisify(execFile);

type DatabaseType = 'postgresql' | 'mysql' | 'redis';

/** A tenant's rules as it would keep them in its own store, EMQX's shape, in order. */
interface AclRow {
  permission: 'allow' | 'deny';
  action: 'publish' | 'subscribe' | 'all';
  topic: string;
}

/** Devices may write their telemetry (not its `secret` subtree) and read their commands; watchers read every device's telemetry and send commands. */
const DEVICE_ROWS: readonly AclRow[] = [
  { permission: 'deny', action: 'publish', topic: 'devices/${clientid}/telemetry/secret' },
  { permission: 'allow', action: 'publish', topic: 'devices/${clientid}/telemetry/#' },
  { permission: 'allow', action: 'subscribe', topic: 'devices/${clientid}/cmd/#' },
];
const WATCHER_ROWS: readonly AclRow[] = [
  { permission: 'allow', action: 'subscribe', topic: 'devices/+/telemetry/#' },
  { permission: 'allow', action: 'publish', topic: 'devices/+/cmd/#' },
];
const DEVICES = ['dev-1', 'dev-2', 'dev-3'];
const WATCHERS = ['ops', 'ops-cli'];

/** Redis hashes hold allow rules only (field: topic, value: action): the deny row is left out there. */
function rowsOf(clientId: string, type: DatabaseType): readonly AclRow[] {
  const rows = DEVICES.includes(clientId) ? DEVICE_ROWS : WATCHER_ROWS;
  return type === 'redis' ? rows.filter((row) => row.permission === 'allow') : rows;
}

describe('authorization: the postgresql, mysql and redis authorizers read rules from the tenant’s own stores, real clients', () => {
  const suffix = randomBytes(4).toString('hex');
  const mysqlDb = `mqc_e2e_acl_${suffix}`;
  const redisPrefix = `mqc-e2e-acl-${suffix}`;
  let db: TestDatabase;
  let aclDb: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let mysql: Connection;
  let redis: Redis;
  const clients: MqttClient[] = [];

  const client = async (url: string, options: Parameters<typeof connectClient>[1]) => {
    const connected = await connectClient(url, options);
    clients.push(connected);
    return connected;
  };

  const SQL_QUERY = 'SELECT permission, action, topic FROM mqtt_acl WHERE clientid = ${clientid} ORDER BY id';
  const configs: Record<DatabaseType, () => Record<string, unknown>> = {
    postgresql: () => ({ url: aclDb.url.replace('localhost', '127.0.0.1'), query: SQL_QUERY }),
    mysql: () => ({ url: `mysql://root@127.0.0.1:3306/${mysqlDb}`, query: SQL_QUERY }),
    redis: () => ({ url: 'redis://127.0.0.1:6379/0', command: `HGETALL ${redisPrefix}:\${clientid}` }),
  };

  /** A platinum instance, anonymous clients allowed, noMatch deny, whose only authorizer is `type` (added through the API). */
  async function instanceAuthorizedBy(type: DatabaseType): Promise<string> {
    const instance = await runningInstance(tenant, `acl-${type}`, 'platinum');
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    await setAuthorizationPolicy(db.url, instance.id, 'deny');
    const created = await tenant.post<{ id: string }>(`/v1/instances/${instance.id}/authorizers`, { type, config: configs[type](), enabled: true });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return instance.endpoints!.mqtt;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    aclDb = await createTestDatabase();
    const pg = new Client({ connectionString: aclDb.url });
    await pg.connect();
    await pg.query('CREATE TABLE mqtt_acl (id serial PRIMARY KEY, clientid text NOT NULL, permission text NOT NULL, action text NOT NULL, topic text NOT NULL)');
    mysql = await createConnection({ host: '127.0.0.1', user: 'root' });
    await mysql.query(`CREATE DATABASE ${mysqlDb}`);
    await mysql.query(`CREATE TABLE ${mysqlDb}.mqtt_acl (id int AUTO_INCREMENT PRIMARY KEY, clientid varchar(100) NOT NULL, permission varchar(10) NOT NULL, action varchar(10) NOT NULL, topic varchar(200) NOT NULL)`);
    redis = new Redis('redis://127.0.0.1:6379');
    for (const clientId of [...DEVICES, ...WATCHERS]) {
      for (const row of rowsOf(clientId, 'postgresql')) await pg.query('INSERT INTO mqtt_acl (clientid, permission, action, topic) VALUES ($1, $2, $3, $4)', [clientId, row.permission, row.action, row.topic]);
      for (const row of rowsOf(clientId, 'mysql')) await mysql.execute(`INSERT INTO ${mysqlDb}.mqtt_acl (clientid, permission, action, topic) VALUES (?, ?, ?, ?)`, [clientId, row.permission, row.action, row.topic]);
      await redis.hset(`${redisPrefix}:${clientId}`, Object.fromEntries(rowsOf(clientId, 'redis').map((row) => [row.topic, row.action])));
    }
    await pg.end();
    stack = await startStack(testConfig({ outboundAllow: ['127.0.0.1'] }), db.url);
    tenant = await newTenant(stack);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
    await aclDb?.drop();
    await mysql?.query(`DROP DATABASE IF EXISTS ${mysqlDb}`);
    await mysql?.end();
    const keys = (await redis?.keys(`${redisPrefix}:*`)) ?? [];
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
  });

  describe.each(['postgresql', 'mysql', 'redis'] as const)('%s', (type) => {
    let url: string;

    beforeAll(async () => {
      url = await instanceAuthorizedBy(type);
    });

    it('a device publishes and subscribes only where its rows allow; a watcher reads every device (mqtt.js 5.0 and 3.1.1)', async () => {
      const dev1 = await client(url, { clientId: 'dev-1', protocolVersion: 5 });
      // Until the broker runs the authorizer, noMatch deny refuses everything.
      await eventually(async () => expect(await grant(dev1, 'devices/dev-1/cmd/#')).toBe(1), 10_000, 100);
      expect(await grant(dev1, 'devices/dev-2/cmd/#')).toBe(0x87); // another device's commands
      expect(await grant(dev1, 'devices/+/telemetry/#')).toBe(0x87); // every device's telemetry: a watcher's row
      expect(await grant(dev1, 'devices/#')).toBe(0x87);
      const dev2 = await client(url, { clientId: 'dev-2', protocolVersion: 4 });
      expect(await grant(dev2, 'devices/dev-1/cmd/#')).toBe(0x80);
      expect(await grant(dev2, 'devices/dev-2/cmd/#')).toBe(1);

      const ops = await client(url, { clientId: 'ops', protocolVersion: 5 });
      expect(await grant(ops, 'devices/+/telemetry/#')).toBe(1);
      const seenByOps: string[] = [];
      ops.on('message', (topic) => seenByOps.push(topic));
      const seenByDev1: string[] = [];
      dev1.on('message', (topic) => seenByDev1.push(topic));

      await expect(dev1.publishAsync('devices/dev-2/telemetry/t', 'forged', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
      if (type !== 'redis') await expect(dev1.publishAsync('devices/dev-1/telemetry/secret', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x87 }); // the deny row before the allow
      await dev2.publishAsync('devices/dev-1/telemetry/t', 'forged', { qos: 1 }); // 3.1.1: acknowledged and dropped
      await dev1.publishAsync('devices/dev-1/telemetry/t', '21.5', { qos: 1 });
      await eventually(() => expect(seenByOps).toContain('devices/dev-1/telemetry/t'), 10_000, 20);
      expect(seenByOps).toEqual(['devices/dev-1/telemetry/t']);

      await expect(dev1.publishAsync('devices/dev-2/cmd/open', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x87 }); // commands are the watcher's
      await ops.publishAsync('devices/dev-1/cmd/reboot', 'now', { qos: 1 });
      await eventually(() => expect(seenByDev1).toEqual(['devices/dev-1/cmd/reboot']), 10_000, 20);
    });

    it('mosquitto_pub and mosquitto_sub, an independent client, get the same answers', async () => {
      const port = String(portOf(url));
      // A device's SUBSCRIBE to every device is refused: mosquitto_sub ends with nothing.
      await eventually(async () => expect(await mosquittoSubOne(portOf(url), 'dev-3', 'devices/#')).toBe(''), 10_000, 100);
      const watcher = mosquittoSubOne(portOf(url), 'ops-cli', 'devices/+/telemetry/#');
      let settled = false;
      void watcher.catch(() => undefined).finally(() => (settled = true));
      while (!settled) {
        await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-i', 'dev-3', '-q', '1', '-t', 'devices/dev-1/telemetry/t', '-m', 'forged by dev-3']);
        await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', port, '-i', 'dev-3', '-q', '1', '-V', 'mqttv5', '-t', 'devices/dev-3/telemetry/t', '-m', 'from dev-3']);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await expect(watcher).resolves.toBe('devices/dev-3/telemetry/t from dev-3');
    });
  });
});
