import { randomBytes } from 'node:crypto';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe } from 'vitest';
import { mysqlAuthorizerConfigSchema } from '@mqc/auth';
import { MysqlAuthorizer } from './mysql.authorizer';
import { ACL_QUERY, ACL_ROWS, sqlAuthorizerCases } from './sql-acl-cases.spec-helper';

/** MariaDB or MySQL on the machine (root without a password, as CI runs it). */
const ADMIN = { host: process.env['MQC_TEST_MYSQL_HOST'] ?? '127.0.0.1', port: Number(process.env['MQC_TEST_MYSQL_PORT'] ?? 3306), user: 'root' };

describe('MysqlAuthorizer against a real MariaDB', () => {
  const suffix = randomBytes(4).toString('hex');
  const database = `mqc_acl_${suffix}`;
  const user = `mqc_acl_${suffix}`;
  const userPassword = `pw-${randomBytes(6).toString('hex')}`;
  let admin: Connection;
  const opened: MysqlAuthorizer[] = [];

  beforeAll(async () => {
    admin = await createConnection(ADMIN);
    await admin.query(`CREATE DATABASE ${database}`);
    for (const host of ['%', 'localhost']) {
      await admin.query(`CREATE USER '${user}'@'${host}' IDENTIFIED BY '${userPassword}'`);
      await admin.query(`GRANT SELECT ON ${database}.* TO '${user}'@'${host}'`);
    }
    await admin.query(`CREATE TABLE ${database}.mqtt_acl (id int AUTO_INCREMENT PRIMARY KEY, username varchar(255) NOT NULL, permission varchar(16), action varchar(16), topic varchar(1024), qos varchar(16), retain tinyint)`);
    for (const row of ACL_ROWS) {
      await admin.execute(`INSERT INTO ${database}.mqtt_acl (username, permission, action, topic, qos, retain) VALUES (?, ?, ?, ?, ?, ?)`, [row.username, row.permission, row.action, row.topic, row.qos, row.retain]);
    }
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin?.query(`DROP USER IF EXISTS '${user}'@'localhost'`);
    await admin?.end();
  });

  sqlAuthorizerCases(() => ({
    name: 'MySQL mysql://127.0.0.1',
    slowQuery: 'SELECT permission, action, topic FROM mqtt_acl WHERE username = ${username} AND SLEEP(3) = 0',
    make(config = {}, allow = ['127.0.0.1'], options = {}) {
      const parsed = mysqlAuthorizerConfigSchema.parse({ url: `mysql://${user}:${userPassword}@127.0.0.1:${ADMIN.port}/${database}`, query: ACL_QUERY, ...config });
      const created = new MysqlAuthorizer(`my-acl-${opened.length}`, parsed, { outboundAllowList: allow, ...options });
      opened.push(created);
      return created;
    },
    async setTopic(username, topic) {
      await admin.execute(`UPDATE ${database}.mqtt_acl SET topic = ? WHERE username = ?`, [topic, username]);
    },
    async countRows() {
      const [rows] = await admin.query<RowDataPacket[]>(`SELECT count(*) AS n FROM ${database}.mqtt_acl`);
      return Number(rows[0]?.['n']);
    },
  }));
});
