import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '@mqc/config';
import { startControlPlane } from '../../../apps/control-plane/src/control-plane';
import { startWorker } from '../../../apps/worker/src/worker';

/** What an idle broker node costs, measured over `seconds`. */
export interface IdleSample {
  instances: number;
  rssKb: number;
  cpuPercent: number;
  /** Transactions per second the whole database committed (all three apps). */
  pgTransactionsPerSecond: number;
}

export interface IdleDensityResult {
  empty: IdleSample;
  loaded: IdleSample;
  secondsToLastRunning: number;
}

/** The build (`dist`): this file runs from dist/test/bench/scenarios. */
const dist = resolve(__dirname, '..', '..', '..');
const CLOCK_TICKS = 100;

function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function sample(pid: number, sql: Client, database: string, instances: number, seconds: number): Promise<IdleSample> {
  const transactions = async () => Number((await sql.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1', [database])).rows[0]!.n);
  const cpu0 = cpuSeconds(pid);
  const tx0 = await transactions();
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  // The sampling query itself is one transaction of the count; PostgreSQL flushes its counters about every second.
  const tx1 = await transactions();
  return { instances, rssKb: rssKb(pid), cpuPercent: ((cpuSeconds(pid) - cpu0) / elapsed) * 100, pgTransactionsPerSecond: (tx1 - tx0 - 1) / elapsed };
}

/**
 * `npm run bench -- --only=idle-density [--instances=N]`: a broker node in its own process (as
 * `npm start` runs it), the control plane and a worker in this one, a database of their own.
 * Samples the idle node (RSS, CPU, the database's transactions per second) with no instance,
 * then with N idle instances (no clients), after the resync has settled.
 */
export async function idleDensity(o: { instances: number; firstPort: number; seconds: number }): Promise<IdleDensityResult> {
  const admin = process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `mqc_bench_density_${process.pid}`;
  const adminClient = new Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'mqc-bench-density-'));
  const env = {
    MQC_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    MQC_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    MQC_BROKER_PORTS: `${o.firstPort}-${o.firstPort + o.instances * 3 + 9}`,
    MQC_BIND_HOST: '127.0.0.1',
    MQC_LOG_LEVEL: 'warn',
    MQC_NODE_NAME: `bench-${process.pid}`,
    MQC_BROKER_ADMIN_PORT: String(o.firstPort - 1),
  };
  const config = loadConfig(env);
  const controlPlane = await startControlPlane(config, databaseUrl, 0);
  const broker = spawn(process.execPath, ['-r', 'tsconfig-paths/register', join(dist, 'apps', 'broker', 'src', 'main.js')], {
    cwd: resolve(dist, '..'),
    env: { ...process.env, ...env, TS_NODE_BASEURL: dist, MQC_MASTER_KEY: config.masterKey.toString('hex'), MQC_OPERATOR_TOKEN: config.operatorToken },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const worker = await startWorker(config, databaseUrl, 0);
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${o.firstPort - 1}/readyz`).then((r) => r.status === 200, () => false);
      if (ready) break;
      if (broker.exitCode !== null) throw new Error('the broker exited');
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    const empty = await sample(broker.pid!, sql, name, 0, o.seconds);

    const api = async (path: string, token: string, body: unknown) => {
      const response = await fetch(`${controlPlane.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const key = ((await api('/v1/ops/tenants', config.operatorToken, { name: 'bench' }))['apiKey'] as { secret: string }).secret;
    const started = performance.now();
    const names = Array.from({ length: o.instances }, (_, i) => `idle-${i}`);
    for (let i = 0; i < names.length; i += 16) await Promise.all(names.slice(i, i + 16).map((n) => api('/v1/instances', key, { name: n, edition: 'basic' })));
    for (;;) {
      const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM instances WHERE status IN ('RUNNING', 'FAILED')`);
      if (Number(rows[0]!.n) >= o.instances) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const secondsToLastRunning = (performance.now() - started) / 1000;
    // Let the revision queries see the last writes of provisioning, and PostgreSQL flush its idle backends' counters (10 s).
    await new Promise((r) => setTimeout(r, 30_000));
    const loaded = await sample(broker.pid!, sql, name, o.instances, o.seconds);
    return { empty, loaded, secondsToLastRunning };
  } finally {
    await sql.end();
    await worker.close();
    broker.kill('SIGTERM');
    await new Promise((r) => (broker.exitCode !== null ? r(undefined) : broker.once('exit', r)));
    await controlPlane.close();
    await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminClient.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
