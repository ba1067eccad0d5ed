import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@mqc/testing';
import { MIGRATIONS, createDataSource } from '@mqc/db';

/** The provisioning job and the broker nodes read listeners_failed: instances failed before it existed keep being retried. */
describe('the listeners_failed migration', () => {
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

  it('marks the instances a broker node failed by the status reason it wrote before the column existed, and no other', async () => {
    const Migration = MIGRATIONS.find((m) => m.name === 'ListenerFailureColumn1764600000000');
    if (!Migration) throw new Error('the listeners_failed migration is not registered');
    const migration = new Migration();
    const runner = dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      const [tenant] = await runner.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
      const insert = (name: string, status: string, reason: string | null) =>
        runner.query(`INSERT INTO instances (tenant_id, name, edition, status, status_reason) VALUES ($1, $2, 'basic', $3, $4)`, [tenant.id, name, status, reason]);
      await insert('listeners', 'FAILED', 'the broker node could not open the listeners: listen EADDRINUSE: address already in use 127.0.0.1:18830');
      await insert('timeout', 'FAILED', 'timed out waiting for node n to serve instance i');
      await insert('running', 'RUNNING', null);
      await migration.up(runner);
      const rows: { name: string; listeners_failed: boolean }[] = await runner.query('SELECT name, listeners_failed FROM instances ORDER BY name');
      expect(rows).toEqual([
        { name: 'listeners', listeners_failed: true },
        { name: 'running', listeners_failed: false },
        { name: 'timeout', listeners_failed: false },
      ]);
    } finally {
      await runner.release();
    }
  });
});
