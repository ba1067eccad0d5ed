import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { Client } from 'pg';
import { loadConfig, type MqcConfig } from '@mqc/config';
import { openMigrated } from '@mqc/db';
import { startControlPlane } from '../../../apps/control-plane/src/control-plane';
import { startWorker } from '../../../apps/worker/src/worker';
import { percentile, sleep } from '../stats';

export interface FailoverResult {
  /** SIGKILL → the first CONNACK from the node the instance moved to, per round, in seconds. */
  rounds: number[];
  medianSeconds: number;
}

const distRoot = resolve(__dirname, '..', '..', '..');

/** One call of the control plane's API (JSON in, JSON out). */
async function call<T>(base: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface Node {
  name: string;
  adminPort: number;
  child: ChildProcess;
}

/** The built broker (as `npm start` runs it) in its own process, ready. */
async function startNode(config: MqcConfig, databaseUrl: string, name: string, adminPort: number): Promise<Node> {
  const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', join(distRoot, 'apps', 'broker', 'src', 'main.js')], {
    env: {
      ...process.env,
      TS_NODE_BASEURL: distRoot,
      DATABASE_URL: databaseUrl,
      REDIS_URL: config.redisUrl,
      MQC_REDIS_PREFIX: config.redisPrefix,
      MQC_DATA_DIR: config.dataDir,
      MQC_MASTER_KEY: config.masterKey.toString('hex'),
      MQC_BROKER_PORTS: `${config.brokerPorts.first}-${config.brokerPorts.last}`,
      MQC_BIND_HOST: '127.0.0.1',
      MQC_BROKER_ADMIN_PORT: String(adminPort),
      MQC_NODE_NAME: name,
      MQC_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`broker node ${name} exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`broker node ${name} not ready`);
    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then((r) => r.ok, () => false);
    if (ready) return { name, adminPort, child };
  }
}

/** One CONNECT: resolves with the time of its CONNACK, or undefined on an error, a close or after 1 s. */
function connackAt(port: number): Promise<number | undefined> {
  return new Promise((done) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 1_000, clientId: `failover-probe-${process.pid}` });
    const finish = (at: number | undefined) => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      done(at);
    };
    // mqtt.js may see a connection closed before its CONNACK without an error: a close ends the attempt too.
    const timer = setTimeout(() => finish(undefined), 1_000);
    client.once('connect', () => finish(performance.now()));
    client.once('error', () => finish(undefined));
    client.once('close', () => finish(undefined));
  });
}

/** The time the first CONNECT to `port` got a CONNACK (tried every 50 ms). */
async function firstConnack(port: number): Promise<number> {
  for (;;) {
    const at = await connackAt(port);
    if (at !== undefined) return at;
    await sleep(50);
  }
}

/**
 * Issue 14: two broker nodes (the built broker, each its own process), the control plane and the
 * worker (its fail-over job included) in this process, PostgreSQL (a database of its own) and
 * Redis. Each round SIGKILLs the node serving the instance and times until a CONNECT to the
 * instance's port is answered, by the other node; then the killed node starts again by name.
 */
export async function failoverTime(rounds: number): Promise<FailoverResult> {
  const admin = process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `mqc_bench_failover_${process.pid}`;
  const adminClient = new Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${database}`);
  const url = new URL(admin);
  url.pathname = `/${database}`;
  const databaseUrl = url.toString();
  await (await openMigrated({ url: databaseUrl, poolSize: 1 })).destroy();
  const dataDir = mkdtempSync(join(tmpdir(), 'mqc-bench-failover-'));
  const base = Number(process.env['MQC_TEST_PORT_BASE'] ?? 20_000) + 900;
  const config = loadConfig({
    MQC_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    MQC_REDIS_PREFIX: `mqc-bench-failover-${process.pid}`,
    MQC_BROKER_PORTS: `${base}-${base + 89}`,
    MQC_BIND_HOST: '127.0.0.1',
    MQC_LOG_LEVEL: 'warn',
  });
  const nodes = new Map<string, Node>();
  const controlPlane = await startControlPlane(config, databaseUrl, 0);
  const worker = await startWorker(config, databaseUrl, 0);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    for (const [i, name] of ['bench-a', 'bench-b'].entries()) nodes.set(name, await startNode(config, databaseUrl, name, base + 90 + i));
    const api = <T>(token: string, method: string, path: string, body?: unknown) => call<T>(controlPlane.url, token, method, path, body);
    const key = (await api<{ apiKey: { secret: string } }>(config.operatorToken, 'POST', '/v1/ops/tenants', { name: 'bench' })).apiKey.secret;
    const instanceId = (await api<{ id: string }>(key, 'POST', '/v1/instances', { name: 'failover', edition: 'basic' })).id;
    let port = 0;
    for (;;) {
      const view = await api<{ status: string; endpoints: { mqtt: string } | null }>(key, 'GET', `/v1/instances/${instanceId}`);
      if (view.status === 'RUNNING') {
        port = Number(new URL(view.endpoints!.mqtt).port);
        break;
      }
      await sleep(100);
    }
    await api(key, 'PUT', `/v1/instances/${instanceId}/access-policy`, { anonymous: 'allow', onBackendFailure: 'deny' });
    const placement = async () => {
      const { rows } = await db.query<{ name: string | null; serving: boolean }>(
        'SELECT n.name, i.serving_at IS NOT NULL AS serving FROM instances i LEFT JOIN broker_nodes n ON n.id = i.node_id WHERE i.id = $1',
        [instanceId],
      );
      return rows[0]!;
    };
    /** The node that serves the instance (it marks it served just after its listeners open). */
    const servingNode = async () => {
      const { name, serving } = await placement();
      return serving ? name : null;
    };

    const results: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await firstConnack(port);
      let victim: string | null = null;
      while (!(victim = await servingNode())) await sleep(100);
      // A whole heartbeat period into the node's life, as a node dying at any moment would be.
      await sleep(1_000 + Math.random() * 2_000);
      const node = nodes.get(victim)!;
      const killedAt = performance.now();
      node.child.kill('SIGKILL');
      await new Promise((r) => node.child.once('exit', r));
      const answeredAt = await firstConnack(port);
      results.push((answeredAt - killedAt) / 1000);
      const movedTo = (await placement()).name;
      if (movedTo === victim) throw new Error(`round ${round}: the killed node ${victim} still shows as serving`);
      process.stderr.write(`bench: fail-over round ${round + 1}: ${((answeredAt - killedAt) / 1000).toFixed(2)} s (${victim} → ${movedTo})\n`);
      nodes.set(victim, await startNode(config, databaseUrl, victim, node.adminPort));
    }
    return { rounds: results, medianSeconds: percentile(results, 50) };
  } finally {
    for (const node of nodes.values()) node.child.kill('SIGKILL');
    await worker.close();
    await controlPlane.close();
    await db.end();
    await adminClient.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await adminClient.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
