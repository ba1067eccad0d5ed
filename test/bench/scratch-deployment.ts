import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** A database and a data directory of a density scenario's own, and how to remove both. */
export interface ScratchDeployment {
  /** The database's name (for pg_stat_database). */
  database: string;
  databaseUrl: string;
  dataDir: string;
  remove(): Promise<void>;
}

/** Creates `mqc_bench_<kind>_<pid>` on the test PostgreSQL and a temporary data directory. */
export async function scratchDeployment(kind: string): Promise<ScratchDeployment> {
  const admin = process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `mqc_bench_${kind}_${process.pid}`;
  const adminClient = new Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), `mqc-bench-${kind}-`));
  return {
    database: name,
    databaseUrl: url.toString(),
    dataDir,
    async remove() {
      await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await adminClient.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
