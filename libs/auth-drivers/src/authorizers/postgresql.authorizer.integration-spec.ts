import { Client } from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { postgresqlAuthorizerConfigSchema } from '@mqc/auth';
import { PostgresqlAuthorizer } from './postgresql.authorizer';
import { ACL_QUERY, ACL_ROWS, sqlAuthorizerCases } from './sql-acl-cases.spec-helper';

describe('PostgresqlAuthorizer against a real PostgreSQL', () => {
  let database: TestDatabase;
  let admin: Client;
  const opened: PostgresqlAuthorizer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new Client({ connectionString: database.url });
    await admin.connect();
    await admin.query('CREATE TABLE mqtt_acl (id serial PRIMARY KEY, username text NOT NULL, permission text, action text, topic text, qos text, retain smallint)');
    for (const row of ACL_ROWS) {
      await admin.query('INSERT INTO mqtt_acl (username, permission, action, topic, qos, retain) VALUES ($1, $2, $3, $4, $5, $6)', [row.username, row.permission, row.action, row.topic, row.qos, row.retain]);
    }
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    await admin?.end();
    await database?.drop();
  });

  sqlAuthorizerCases(() => ({
    name: 'PostgreSQL postgres://127.0.0.1',
    slowQuery: 'SELECT permission, action, topic FROM mqtt_acl, pg_sleep(3) WHERE username = ${username}',
    make(config = {}, allow = ['127.0.0.1'], options = {}) {
      const parsed = postgresqlAuthorizerConfigSchema.parse({ url: database.url.replace('localhost', '127.0.0.1'), query: ACL_QUERY, ...config });
      const created = new PostgresqlAuthorizer(`pg-acl-${opened.length}`, parsed, { outboundAllowList: allow, ...options });
      opened.push(created);
      return created;
    },
    async setTopic(username, topic) {
      await admin.query('UPDATE mqtt_acl SET topic = $2 WHERE username = $1', [username, topic]);
    },
    async countRows() {
      return Number((await admin.query<{ n: string }>('SELECT count(*) AS n FROM mqtt_acl')).rows[0]?.n);
    },
  }));
});
