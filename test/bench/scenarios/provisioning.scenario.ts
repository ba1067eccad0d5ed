import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '@mqc/config';
import { scratchDeployment } from '../scratch-deployment';
import { generateKeyPair } from '@mqc/pki';
import { startBroker } from '../../../apps/broker/src/broker';
import { startControlPlane } from '../../../apps/control-plane/src/control-plane';
import { startWorker } from '../../../apps/worker/src/worker';
import { rawConnack } from '../../support/raw-mqtt';

export interface ProvisioningResult {
  instances: number;
  /** From the first create request to the last instance RUNNING. */
  secondsToLastRunning: number;
  /** Instances that ended FAILED (their listeners, say) instead. */
  failed: number;
  /** CPU seconds of this process (control plane, worker and broker) from the first request to the last RUNNING. */
  cpuSeconds: number;
  /** PostgreSQL transactions committed in the bench's database over the same time, per instance. */
  transactionsPerInstance: number;
  /** A sample of the RUNNING instances (up to 20, spread over the batch) that answered a CONNECT on their own port with a CONNACK. */
  sample: { answered: number; tried: number };
  /** What one instance's two keys cost to make, EC P-256 (now) and RSA 2048 (before), in ms. */
  keysMs: { ec: number; rsa: number };
}

async function keyCost(algorithm: 'ec-p256' | 'rsa-2048', pairs: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < pairs; i++) await Promise.all([generateKeyPair(algorithm), generateKeyPair(algorithm)]);
  return (performance.now() - started) / pairs;
}

/**
 * `npm run bench -- --only=provisioning`: the control plane, one worker and one broker node (in
 * this process, as a one-node deployment) against a database of their own; `instances` created
 * at once through the API, timed until the last is RUNNING. The listener ports come from
 * `ports` (three per instance; below the kernel's ephemeral range).
 */
export async function provisioningBurst(o: { instances: number; firstPort: number }): Promise<ProvisioningResult> {
  const { databaseUrl, dataDir, remove } = await scratchDeployment('provision');
  const config = loadConfig({
    MQC_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    MQC_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    MQC_BROKER_PORTS: `${o.firstPort}-${o.firstPort + o.instances * 3 + 9}`,
    MQC_BIND_HOST: '127.0.0.1',
    MQC_LOG_LEVEL: 'warn',
    MQC_NODE_NAME: `bench-${process.pid}`,
  });
  const controlPlane = await startControlPlane(config, databaseUrl, 0);
  const broker = await startBroker(config, databaseUrl, 0);
  const worker = await startWorker(config, databaseUrl, 0);
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const api = async (path: string, token: string, body: unknown) => {
      const response = await fetch(`${controlPlane.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const tenant = await api('/v1/ops/tenants', config.operatorToken, { name: 'bench' });
    const key = (tenant['apiKey'] as { secret: string }).secret;

    const transactions = async () => Number((await sql.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);
    const transactionsBefore = await transactions();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    // The requests arrive at once; the API answers each with 202 and queues its provisioning.
    const names = Array.from({ length: o.instances }, (_, i) => `bench-${i}`);
    // At most 16 requests in flight from this one address: the API counts each as a failure until its key is checked (20 per source).
    const WAVE = 16;
    for (let i = 0; i < names.length; i += WAVE) await Promise.all(names.slice(i, i + WAVE).map((n) => api('/v1/instances', key, { name: n, edition: 'basic' })));
    const requestsDone = performance.now();
    process.stderr.write(`bench: ${o.instances} instances requested in ${((requestsDone - started) / 1000).toFixed(1)} s\n`);

    let failed = 0;
    let lastProgress = -1;
    for (;;) {
      const { rows } = await sql.query<{ running: string; failed: string; created: string; placed: string; serving: string }>(
        `SELECT count(*) FILTER (WHERE status = 'RUNNING') AS running, count(*) FILTER (WHERE status = 'FAILED') AS failed,
                count(*) AS created, count(node_id) AS placed, count(serving_at) AS serving FROM instances`,
      );
      const second = Math.floor((performance.now() - started) / 5000);
      if (second !== lastProgress) {
        lastProgress = second;
        const r = rows[0]!;
        process.stderr.write(`bench: ${second * 5} s: ${r.created} created, ${r.placed} placed, ${r.serving} served, ${r.running} RUNNING\n`);
      }
      const running = Number(rows[0]!.running);
      failed = Number(rows[0]!.failed);
      if (running + failed >= o.instances) break;
      if (performance.now() - started > 600_000) throw new Error(`only ${running} of ${o.instances} RUNNING after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const secondsToLastRunning = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    // The statistics reach pg_stat_database when a backend reports them (at most every second or so).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const transactionsPerInstance = ((await transactions()) - transactionsBefore) / o.instances;
    // RUNNING must mean served: a CONNECT to a sample's own port is answered by its engine (refused, anonymous; a CONNACK all the same).
    const { rows: running } = await sql.query<{ mqtt_port: number }>(`SELECT mqtt_port FROM instances WHERE status = 'RUNNING' ORDER BY created_at`);
    const step = Math.max(1, Math.floor(running.length / 20));
    const picked = running.filter((_, i) => i % step === 0).slice(0, 20);
    const answers = await Promise.all(picked.map((r) => rawConnack(r.mqtt_port, '127.0.0.1', { protocolVersion: 4, clientId: 'bench-sample', username: 'nobody', password: 'wrong' })));
    const sample = { answered: answers.filter((a) => a !== undefined).length, tried: picked.length };
    const keysMs = { ec: await keyCost('ec-p256', 50), rsa: await keyCost('rsa-2048', 5) };
    return { instances: o.instances, secondsToLastRunning, cpuSeconds, transactionsPerInstance, failed, sample, keysMs };
  } finally {
    await sql.end();
    await worker.close();
    await broker.close();
    await controlPlane.close();
    await remove();
  }
}
