import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The URL of the embedded PostgreSQL that `npm start` runs for `dataDir`, while it runs: its
 * password (`pg/password`) and the port in its `postmaster.pid` (pid, data directory, start
 * time, port, … one per line). Undefined when no server runs there.
 */
export function runningEmbeddedDatabaseUrl(dataDir: string): string | undefined {
  try {
    const directory = join(dataDir, 'pg');
    const lines = readFileSync(join(directory, 'data', 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
    process.kill(pid, 0);
    const password = readFileSync(join(directory, 'password'), 'utf8').trim();
    return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  } catch {
    return undefined;
  }
}
