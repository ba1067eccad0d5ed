import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '@mqc/queue';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startBroker, type BrokerApp } from '../../apps/broker/src/broker';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { connectClient, runningInstance, type InstanceView } from '../support/instances';

const root = resolve(__dirname, '..', '..');
const workerMain = join(root, 'dist', 'apps', 'worker', 'src', 'main.js');
const TOTAL = 1000;

interface Job {
  status: string;
  total: number;
  issued: number;
  attempts: number;
}

interface Bundle {
  caCertificate: string;
  certificates: { clientId: string; serialNumber: string; certificate: string; privateKey?: string }[];
}

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * The whole bulk issuance, one worker process killed half-way: every certificate is issued
 * exactly once. The certificate workers are separate processes of the built worker (as in
 * production), so the first one can be killed with SIGKILL in the middle of a chunk.
 */
describe('a bulk job of 1,000 device certificates whose worker is killed half-way', () => {
  const config = testConfig();
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let broker: BrokerApp;
  let provisioning: WorkerApp;
  let tenant: ApiClient;
  let instance: InstanceView;
  let sql: Client;
  const children: ChildProcess[] = [];

  /** The built worker in its own process, serving every queue. */
  async function workerProcess(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<unknown> }> {
    const child = spawn(process.execPath, ['-r', 'tsconfig-paths/register', workerMain], {
      cwd: root,
      env: {
        ...process.env,
        TS_NODE_BASEURL: join(root, 'dist'),
        DATABASE_URL: db.url,
        REDIS_URL: config.redisUrl,
        MQC_REDIS_PREFIX: config.redisPrefix,
        MQC_MASTER_KEY: config.masterKey.toString('hex'),
        MQC_OPERATOR_TOKEN: config.operatorToken,
        MQC_DATA_DIR: config.dataDir,
        MQC_WORKER_ADMIN_PORT: String(await freePort()),
        MQC_BIND_HOST: '127.0.0.1',
        MQC_PUBLIC_HOST: config.publicHost,
        MQC_LOG_LEVEL: 'warn',
      },
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    return { child, output: () => output, exited: new Promise((r) => child.once('exit', r)) };
  }

  const registered = async (jobId: string) => Number((await sql.query('SELECT count(*) FROM device_certificates WHERE job_id = $1', [jobId])).rows[0].count);

  beforeAll(async () => {
    expect(existsSync(workerMain), 'npm test builds before it runs the tests').toBe(true);
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    broker = await startBroker(config, db.url, 0);
    // This process provisions instances only: certificate jobs wait for the worker processes below.
    provisioning = await startWorker(config, db.url, 0, { queues: [QueueName.Instances] });
    const operator = new ApiClient(controlPlane.url, config.operatorToken);
    const created = await operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'bulk' });
    tenant = operator.withToken(created.body.apiKey.secret);
    instance = await runningInstance(tenant, 'bulk', 'professional');
    expect((await tenant.post(`/v1/instances/${instance.id}/authenticators`, { type: 'x509', config: {} })).status).toBe(201);
    expect((await tenant.request('PUT', `/v1/instances/${instance.id}/x509`, { mode: 'BYOC' })).status).toBe(200);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sql?.end();
    await provisioning?.close();
    await broker?.close();
    await controlPlane?.close();
    await db?.drop();
  });

  it('ends with exactly 1,000 certificates, each issued once, and the same request replayed issues nothing more', async () => {
    const request = { count: TOTAL, clientIdPrefix: 'bulk-' };
    const headers = { 'idempotency-key': 'bulk-order-1' };
    const accepted = await tenant.post<{ jobId: string; status: string }>(`/v1/instances/${instance.id}/device-certificates/issue`, request, headers);
    expect(accepted.status).toBe(202);
    const { jobId } = accepted.body;

    const started = performance.now();
    const first = await workerProcess();
    await eventually(async () => expect(await registered(jobId)).toBeGreaterThanOrEqual(TOTAL * 0.45), 60_000, 10);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = await registered(jobId);
    expect(atKill, 'the worker died half-way').toBeLessThan(TOTAL);
    expect((await tenant.get<Job>(`/v1/jobs/${jobId}`)).body).toMatchObject({ status: 'RUNNING', total: TOTAL });

    // Job state lives in Redis and PostgreSQL: a new worker finds the job its predecessor held and resumes it.
    const second = await workerProcess();
    const done = await eventually(
      async () => {
        const job = await tenant.get<Job>(`/v1/jobs/${jobId}`);
        expect(job.body.status, second.output()).toBe('SUCCEEDED');
        return job.body;
      },
      90_000,
      100,
    );
    const seconds = (performance.now() - started) / 1000;
    expect(done).toMatchObject({ issued: TOTAL, total: TOTAL });

    const rows = await sql.query<{ certificates: string; serials: string; items: string; clients: string; min: number; max: number }>(
      `SELECT count(*) AS certificates, count(DISTINCT serial_number) AS serials, count(DISTINCT job_item) AS items,
              count(DISTINCT client_id) AS clients, min(job_item) AS min, max(job_item) AS max
         FROM device_certificates WHERE instance_id = $1`,
      [instance.id],
    );
    expect(rows.rows[0]).toMatchObject({ certificates: String(TOTAL), serials: String(TOTAL), items: String(TOTAL), clients: String(TOTAL), min: 0, max: TOTAL - 1 });

    const replay = await tenant.post<{ jobId: string; status: string }>(`/v1/instances/${instance.id}/device-certificates/issue`, request, headers);
    expect(replay.body).toMatchObject({ jobId, status: 'SUCCEEDED' });
    const bundle = await tenant.get<Bundle>(`/v1/jobs/${jobId}/result`);
    expect(bundle.body.certificates).toHaveLength(TOTAL);
    expect(bundle.body.certificates[0]!.clientId).toBe('bulk-1');
    expect(bundle.body.certificates[TOTAL - 1]!.clientId).toBe(`bulk-${TOTAL}`);
    expect(bundle.body.certificates.every((c) => c.privateKey?.startsWith('-----BEGIN PRIVATE KEY-----'))).toBe(true);
    expect(Number((await sql.query('SELECT count(*) FROM device_certificates WHERE instance_id = $1', [instance.id])).rows[0].count)).toBe(TOTAL);

    // Certificates of both workers connect.
    for (const c of [bundle.body.certificates[0]!, bundle.body.certificates[TOTAL - 1]!]) {
      const client = await connectClient(instance.endpoints!.mqtts, { clientId: c.clientId, ca: bundle.body.caCertificate, cert: c.certificate, key: c.privateKey!, protocolVersion: 5 });
      await client.endAsync();
    }
    console.info(`bulk issuance: ${TOTAL} certificates (EC P-256 keys) in ${seconds.toFixed(1)} s including a worker killed at ${atKill} and the lock expiry before the takeover`);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
