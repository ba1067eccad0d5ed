import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { connect as connectTcp, type Socket } from 'node:net';
import { generate } from 'mqtt-packet';
import { Client } from 'pg';
import { loadConfig } from '@mqc/config';
import { scratchDeployment } from '../scratch-deployment';
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
  /** Whether the instances were served on the shared TLS endpoint only (basic, MQC_SHARED_TLS_PORT set). */
  sharedOnly: boolean;
  /** From the request changing one instance's access policy to the first CONNECT the node admits under it. */
  changeLiveMs: number;
}

const PUBLIC_DOMAIN = 'density.bench';

/** One anonymous MQTT 3.1.1 CONNECT on a fresh socket; resolves with the CONNACK's return code (-1: no CONNACK). */
function anonymousConnack(open: () => Socket): Promise<number> {
  return new Promise((resolve) => {
    const socket = open();
    const received: Buffer[] = [];
    const done = (code: number) => (socket.destroy(), resolve(code));
    socket.setTimeout(5_000, () => done(-1));
    socket.once('error', () => done(-1));
    socket.once('close', () => done(-1));
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const bytes = Buffer.concat(received);
      if (bytes.length >= 4) done(bytes[3]!);
    });
    socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: `probe-${randomBytes(4).toString('hex')}`, clean: true, keepalive: 30 }));
  });
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
export async function idleDensity(o: { instances: number; firstPort: number; seconds: number; dedicatedPorts: boolean }): Promise<IdleDensityResult> {
  const sharedOnly = !o.dedicatedPorts;
  const sharedPort = o.firstPort - 2;
  const { database, databaseUrl, dataDir, remove } = await scratchDeployment('density');
  const env = {
    MQC_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    MQC_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    // Shared only (issue 16): basic instances take no port; the range just has to be valid.
    MQC_BROKER_PORTS: `${o.firstPort}-${o.firstPort + (sharedOnly ? 0 : o.instances * 3) + 9}`,
    ...(sharedOnly ? { MQC_SHARED_TLS_PORT: String(sharedPort), MQC_PUBLIC_DOMAIN: PUBLIC_DOMAIN } : {}),
    MQC_BIND_HOST: '127.0.0.1',
    MQC_LOG_LEVEL: 'warn',
    MQC_NODE_NAME: `bench-${process.pid}`,
    MQC_BROKER_ADMIN_PORT: String(o.firstPort - 1),
  };
  const config = loadConfig(env);
  const controlPlane = await startControlPlane(config, databaseUrl, 0);
  // MQC_BENCH_BROKER_NODE_ARGS: node flags for the broker alone, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
  const nodeArgs = (process.env['MQC_BENCH_BROKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const broker = spawn(process.execPath, [...nodeArgs, '-r', 'tsconfig-paths/register', join(dist, 'apps', 'broker', 'src', 'main.js')], {
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
    const empty = await sample(broker.pid!, sql, database, 0, o.seconds);

    const api = async (path: string, token: string, body: unknown, method = 'POST') => {
      const response = await fetch(`${controlPlane.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const key = ((await api('/v1/ops/tenants', config.operatorToken, { name: 'bench' }))['apiKey'] as { secret: string }).secret;
    const started = performance.now();
    const names = Array.from({ length: o.instances }, (_, i) => `idle-${i}`);
    const ids: string[] = [];
    for (let i = 0; i < names.length; i += 16) ids.push(...(await Promise.all(names.slice(i, i + 16).map(async (n) => (await api('/v1/instances', key, { name: n, edition: 'basic' }))['id'] as string))));
    for (;;) {
      const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM instances WHERE status IN ('RUNNING', 'FAILED')`);
      if (Number(rows[0]!.n) >= o.instances) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const secondsToLastRunning = (performance.now() - started) / 1000;
    // Let the revision queries see the last writes of provisioning, and PostgreSQL flush its idle backends' counters (10 s).
    await new Promise((r) => setTimeout(r, 30_000));
    const loaded = await sample(broker.pid!, sql, database, o.instances, o.seconds);

    // A change to one instance among them: anonymous clients allowed. Timed from the request to
    // the first CONNECT its node admits (each try a new connection: TLS by name on the shared
    // endpoint, or the instance's own plain port).
    const probed = ids[Math.floor(ids.length / 2)]!;
    const port = sharedOnly ? sharedPort : Number((await sql.query<{ mqtt_port: number }>('SELECT mqtt_port FROM instances WHERE id = $1', [probed])).rows[0]!.mqtt_port);
    const open = () => (sharedOnly ? connectTls({ host: '127.0.0.1', port, servername: `${probed}.${PUBLIC_DOMAIN}`, rejectUnauthorized: false }) : connectTcp({ host: '127.0.0.1', port }));
    const before = await anonymousConnack(open);
    if (before === 0 || before === -1) throw new Error(`the probed instance answered ${before} before the change (expected a refusal)`);
    const changed = performance.now();
    await api(`/v1/instances/${probed}/access-policy`, key, { anonymous: 'allow', onBackendFailure: 'deny' }, 'PUT');
    while ((await anonymousConnack(open)) !== 0) {
      if (performance.now() - changed > 60_000) throw new Error('the change was not live within 60 s');
    }
    const changeLiveMs = performance.now() - changed;
    return { empty, loaded, secondsToLastRunning, sharedOnly, changeLiveMs };
  } finally {
    await sql.end();
    await worker.close();
    broker.kill('SIGTERM');
    await new Promise((r) => (broker.exitCode !== null ? r(undefined) : broker.once('exit', r)));
    await controlPlane.close();
    await remove();
  }
}
