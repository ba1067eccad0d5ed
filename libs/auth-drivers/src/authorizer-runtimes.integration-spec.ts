import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHORIZER_TYPES, postgresqlAuthorizerConfigSchema } from '@mqc/auth';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { AUTHORIZER_RUNTIMES } from './authorizer-runtimes';
import type { BackendAuthorizer } from './authorizers/backend-authorizer';

describe('the broker\'s authorizer runtimes', () => {
  let database: TestDatabase;
  let admin: Client;
  let authorizer: BackendAuthorizer | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query('CREATE TABLE mqtt_acl (username text, clientid text, permission text, action text, topic text)');
    await admin.query(`INSERT INTO mqtt_acl VALUES ('alice', 'dev-1', 'allow', 'publish', 'devices/\${clientid}/up')`);
  });

  afterAll(async () => {
    await authorizer?.close();
    await admin?.end();
    await database?.drop();
  });

  it('runs every backend authorizer type (the in-memory ones are the broker\'s own)', () => {
    const backend = AUTHORIZER_TYPES.filter((type) => type !== 'built-in-database' && type !== 'client-info');
    expect(backend.filter((type) => AUTHORIZER_RUNTIMES[type] === undefined)).toEqual([]);
  });

  it('gives a database authorizer the client it asks about: the query binds its user name, the rule its client id', async () => {
    const config = postgresqlAuthorizerConfigSchema.parse({
      url: database.url.replace('localhost', '127.0.0.1'),
      query: 'SELECT permission, action, topic FROM mqtt_acl WHERE username = ${username} AND clientid = ${clientid}',
    });
    authorizer = AUTHORIZER_RUNTIMES.postgresql!('pg-runtime', config, { outboundAllow: ['127.0.0.1'] });
    const alice = authorizer.source({ clientId: 'dev-1', username: 'alice', peerHost: '203.0.113.9', instanceId: 'inst-1' });
    expect(await alice.check({ action: 'publish', topic: 'devices/dev-1/up', qos: 0, retain: false })).toMatchObject({ kind: 'allow', ruleId: 'row[0]' });
    expect(await alice.check({ action: 'publish', topic: 'devices/dev-2/up', qos: 0, retain: false })).toMatchObject({ kind: 'no-match' });
    const other = authorizer.source({ clientId: 'dev-1', username: 'bob', peerHost: '203.0.113.9', instanceId: 'inst-1' });
    expect(await other.check({ action: 'publish', topic: 'devices/dev-1/up', qos: 0, retain: false })).toMatchObject({ kind: 'no-match' });
  });
});
