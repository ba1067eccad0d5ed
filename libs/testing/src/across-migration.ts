import type { QueryRunner } from 'typeorm';
import { MIGRATIONS, createDataSource } from '@mqc/db';
import { createTestDatabase } from './test-database';

/**
 * Tests one migration on rows written before it: on a database of its own (fully migrated),
 * runs the migration's `down`, lets `before` write rows as the older schema had them, runs its
 * `up`, and returns what `after` reads.
 */
export async function acrossMigration<T>(migrationName: string, steps: { before(runner: QueryRunner): Promise<void>; after(runner: QueryRunner): Promise<T> }): Promise<T> {
  const Migration = MIGRATIONS.find((m) => m.name === migrationName);
  if (!Migration) throw new Error(`no migration ${migrationName} is registered`);
  const migration = new Migration();
  const db = await createTestDatabase();
  const dataSource = createDataSource({ url: db.url, poolSize: 2 });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await migration.down(runner);
    await steps.before(runner);
    await migration.up(runner);
    return await steps.after(runner);
  } finally {
    await runner.release();
    await dataSource.destroy();
    await db.drop();
  }
}
