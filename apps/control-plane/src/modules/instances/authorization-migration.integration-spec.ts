import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { MIGRATIONS, createDataSource } from '@mqc/db';

/** Issue 13: instances that exist when authorization lands keep allowing what no rule decides; new ones deny. */
describe('the authorization migration', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 2 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('gives the instances that existed noMatch allow, and the ones created after it deny', async () => {
    const Migration = MIGRATIONS.find((m) => m.name === 'Authorization1764700000000');
    if (!Migration) throw new Error('the authorization migration is not registered');
    const migration = new Migration();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      const [tenant] = await runner.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
      await runner.query(`INSERT INTO instances (tenant_id, name, edition, status) VALUES ($1, 'before', 'basic', 'RUNNING')`, [tenant.id]);
      await migration.up(runner);
      await runner.query(`INSERT INTO instances (tenant_id, name, edition, status) VALUES ($1, 'after', 'basic', 'PROVISIONING')`, [tenant.id]);
      const rows: { name: string; authorization_no_match: string; authorization_deny_action: string }[] = await runner.query(
        'SELECT name, authorization_no_match, authorization_deny_action FROM instances ORDER BY name',
      );
      expect(rows).toEqual([
        { name: 'after', authorization_no_match: 'deny', authorization_deny_action: 'ignore' },
        { name: 'before', authorization_no_match: 'allow', authorization_deny_action: 'ignore' },
      ]);
    } finally {
      await runner.release();
    }
  });
});
