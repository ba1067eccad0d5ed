/**
 * `npm run fuzz`: generated and mutated MQTT packets of every type, 3.1.1 and 5.0, against a
 * broker node in its own process, while a client of another instance keeps making round trips.
 * Needs PostgreSQL (MQC_TEST_POSTGRES_URL, a fresh database is made and dropped) and Redis.
 *
 *   --packets=N      packets to send (default 1,000,000)
 *   --short          30,000 packets
 *   --seed=N         the run's seed (default: random, printed); the same seed sends the same bytes
 *   --connections=N  raw TCP connections at a time (default 64)
 *   --max-rss-mb=N   fail when the broker's resident memory exceeds it (default 1024)
 *   --max-heap-growth-mb=N  fail when the broker's heap after a full GC, once the fuzzed instance
 *                    is deleted, exceeds the heap before the run by more (default 32)
 *
 * Prints the figures and exits 1 when a check failed.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@mqc/config';
import { openMigrated } from '@mqc/db';
import { failedChecks, formatReport, runFuzz } from './fuzz';
import { startFuzzStack } from './fuzz-stack';

/** A wrong command line: reported in one line, without a stack. */
class UsageError extends Error {}

const OPTIONS = ['packets', 'seed', 'connections', 'max-rss-mb', 'max-heap-growth-mb'];

function checkArguments(): void {
  for (const argument of process.argv.slice(2)) {
    if (argument === '--short' || OPTIONS.some((name) => argument.startsWith(`--${name}=`))) continue;
    throw new UsageError(`unknown argument "${argument}"; expected --short, ${OPTIONS.map((name) => `--${name}=N`).join(', ')}`);
  }
}

function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function numberOption(name: string, fallback: number, min = 0): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) throw new UsageError(`--${name} must be a whole number of at least ${min}, got "${text}"`);
  return value;
}

/** A fresh, migrated database on the test PostgreSQL server; dropped at the end. */
async function fuzzDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `mqc_fuzz_${process.pid}_${randomBytes(3).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  await (await openMigrated({ url: url.toString(), poolSize: 1 })).destroy();
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main(): Promise<number> {
  checkArguments();
  const short = process.argv.includes('--short');
  const seed = numberOption('seed', randomInt(0, 2 ** 31));
  const packets = numberOption('packets', short ? 30_000 : 1_000_000);
  const concurrency = numberOption('connections', 64, 1);
  const maxRssBytes = numberOption('max-rss-mb', 1024, 1) * 1024 * 1024;
  const maxHeapGrowthBytes = numberOption('max-heap-growth-mb', 32, 1) * 1024 * 1024;
  // Below the ephemeral port range (32768+) and the windows the tests use (20000-31999).
  const first = 17_000 + randomInt(0, 10) * 100;
  const config = loadConfig({
    ...process.env,
    MQC_DATA_DIR: mkdtempSync(join(tmpdir(), 'mqc-fuzz-')),
    MQC_REDIS_PREFIX: `mqc-fuzz-${randomBytes(4).toString('hex')}`,
    MQC_BIND_HOST: '127.0.0.1',
    MQC_BROKER_PORTS: process.env['MQC_BROKER_PORTS'] ?? `${first}-${first + 99}`,
    MQC_LOG_LEVEL: 'silent',
    MQC_OPERATOR_TOKEN: randomBytes(24).toString('hex'),
    MQC_MASTER_KEY: randomBytes(32).toString('hex'),
  });
  process.stderr.write(`fuzz: seed ${seed}, ${packets.toLocaleString('en-US')} packets\n`);
  const database = await fuzzDatabase();
  try {
    const stack = await startFuzzStack(config, database.url, resolve(__dirname, '..', '..'));
    try {
      const report = await runFuzz(stack, { seed, packets, concurrency, maxRssBytes, maxHeapGrowthBytes, progress: (line) => process.stderr.write(`fuzz: ${line}\n`) });
      process.stdout.write(`${formatReport(report)}\n`);
      const failed = failedChecks(report);
      for (const check of failed) process.stdout.write(`FAILED: ${check}\n`);
      if (failed.length === 0) process.stdout.write('all checks passed\n');
      return failed.length === 0 ? 0 : 1;
    } finally {
      await stack.close();
    }
  } finally {
    await database.drop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fuzz failed: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
