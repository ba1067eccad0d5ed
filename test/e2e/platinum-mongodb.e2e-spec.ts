import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, startMongoWireServer, testConfig, type MongoWireServer, type TestDatabase } from '@mqc/testing';
import { addAuthenticator, connackCode, untilConnack, V311, V5 } from '../support/auth';
import { newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const run = promisify(execFile);

/** EMQX's sha256 with a prefix salt, made by OpenSSL rather than our code. */
async function opensslSha256(text: string): Promise<string> {
  const { stdout } = await run('sh', ['-c', 'printf "%s" "$1" | openssl dgst -sha256 -r', 'sh', text]);
  return stdout.split(' ')[0]!;
}

describe('platinum: a MongoDB password database in a real chain, from the console API to MQTT clients', () => {
  let db: TestDatabase;
  let mongo: MongoWireServer;
  let admin: MongoClient;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;
  let authenticatorId: string;
  /** Connections of the test's own client. */
  let baseline: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    mongo = await startMongoWireServer();
    admin = new MongoClient(mongo.url, { directConnection: true });
    await admin
      .db('iot')
      .collection('devices')
      .insertMany([
        { name: 'mongo-user', hash: await opensslSha256('mg-saltmg-pw'), salt: 'mg-salt', admin: true },
        { name: '{"$ne": null}', hash: await opensslSha256('x-saltother'), salt: 'x-salt' },
      ]);
    baseline = mongo.connectionCount();
    stack = await startStack(testConfig({ outboundAllow: ['127.0.0.1'] }), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'platinum-mongo', 'platinum');
    url = instance.endpoints!.mqtt;
    authenticatorId = await addAuthenticator(tenant, instance.id, 'mongodb', {
      url: `${mongo.url}/admin`,
      password: 'mongo-pass',
      database: 'iot',
      collection: 'devices',
      filter: { name: '${username}' },
      passwordHashField: 'hash',
      isSuperuserField: 'admin',
      passwordHash: { name: 'sha256', saltPosition: 'prefix' },
    });
    await untilConnack(url, { username: 'mongo-user', password: 'mg-pw' }, 0);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
    await admin?.close();
    await mongo?.close();
  });

  it('lets MongoDB judge its users (3.1.1 and 5.0 clients, and mosquitto_pub)', async () => {
    expect(await connackCode(url, { protocolVersion: 4, username: 'mongo-user', password: 'mg-pw' })).toBe(0);
    expect(await connackCode(url, { protocolVersion: 5, username: 'mongo-user', password: 'mg-pw' })).toBe(0);
    expect(await connackCode(url, { protocolVersion: 4, username: 'mongo-user', password: 'mg-pw!' })).toBe(V311.badUsernameOrPassword);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(portOf(url)), '-u', 'mongo-user', '-P', 'mg-pw', '-t', 'plant/1', '-m', 'hello', '-V', 'mqttv5']);
  });

  it('refuses a client it does not know, and operators or JSON as a user name find no one else', async () => {
    for (const username of ['nobody', '{"$gt": ""}', '{"$where": "return true"}', "' OR 1=1 --"]) {
      expect(await connackCode(url, { protocolVersion: 5, username, password: 'mg-pw' }), username).toBe(V5.badUsernameOrPassword);
    }
    // The user really named `{"$ne": null}` gets in with its own password only.
    expect(await connackCode(url, { protocolVersion: 5, username: '{"$ne": null}', password: 'other' })).toBe(0);
    expect(await connackCode(url, { protocolVersion: 5, username: '{"$ne": null}', password: 'mg-pw' })).toBe(V5.badUsernameOrPassword);
    expect(await admin.db('iot').collection('devices').countDocuments()).toBe(2);
  });

  it('shows the database password masked, and refuses URLs the operator did not allow or options it does not take', async () => {
    const listed = await tenant.get<{ items: { type: string; config: Record<string, unknown> }[] }>(`/v1/instances/${instance.id}/authenticators`);
    expect(listed.body.items.map((a) => [a.type, a.config['password']])).toEqual([['mongodb', '********']]);
    for (const refusedUrl of ['mongodb://10.1.2.3:27017', 'mongodb://127.0.0.1:27017,192.168.0.10:27017', `${mongo.url}/?tlsCAFile=/etc/passwd`]) {
      const refused = await tenant.post<{ errors?: { field: string; message: string }[] }>(`/v1/instances/${instance.id}/authenticators`, {
        type: 'mongodb',
        config: { url: refusedUrl, database: 'iot', collection: 'devices', filter: { name: '${username}' } },
      });
      expect(refused.status, refusedUrl).toBe(422);
      expect(refused.body.errors?.[0]?.field, refusedUrl).toBe('config.url');
    }
  });

  it('is platinum only', async () => {
    const professional = await runningInstance(tenant, 'pro-mongo', 'professional');
    const refused = await tenant.post<{ code: string }>(`/v1/instances/${professional.id}/authenticators`, { type: 'mongodb', config: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('method-not-in-edition');
  });

  it('closes its connections when the authenticator leaves the chain', async () => {
    expect(mongo.connectionCount()).toBeGreaterThan(baseline);
    expect((await tenant.delete(`/v1/instances/${instance.id}/authenticators/${authenticatorId}`)).status).toBe(204);
    // Only the test's own client is left.
    await eventually(() => expect(mongo.connectionCount()).toBe(baseline));
    expect(await connackCode(url, { protocolVersion: 5, username: 'mongo-user', password: 'mg-pw' })).toBe(V5.badUsernameOrPassword);
  });
});
