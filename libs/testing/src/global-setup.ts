import type { TestProject } from 'vitest/node';
import { Client } from 'pg';
import { openMigrated } from '@mqc/db';
import { TEMPLATE_PREFIX, adminUrl, databaseUrl } from './postgres-admin';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Once per run: a template database migrated with the real migrations. Each integration test
 * file clones it (CREATE DATABASE … TEMPLATE), so files run in parallel on their own data.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `${TEMPLATE_PREFIX}${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl() });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`integration tests need PostgreSQL at ${adminUrl()} (set MQC_TEST_POSTGRES_URL): ${(error as Error).message}`);
  }
  await admin.query(`CREATE DATABASE ${template}`);
  const dataSource = await openMigrated({ url: databaseUrl(template), poolSize: 1 });
  await dataSource.destroy();
  project.provide('templateDatabase', template);
  return async () => {
    const leftovers = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [template, `${template.replace(TEMPLATE_PREFIX, 'mqc_t_')}%`],
    );
    for (const { datname } of leftovers.rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await admin.end();
  };
}
