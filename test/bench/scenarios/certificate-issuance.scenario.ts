import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { loadConfig } from '@mqc/config';
import { CertificateJobEntity, InstanceEntity, TenantEntity, openMigrated, type CertificateJobRequest } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { createLogger } from '@mqc/observability';
import { ChangeBus } from '@mqc/queue';
import { ensureInstanceTls } from '../../../apps/worker/src/jobs/instance-tls';
import { IssueDeviceCertificatesJob } from '../../../apps/worker/src/jobs/issue-device-certificates.job';

export interface IssuanceResult {
  label: string;
  certificates: number;
  perSecond: number;
}

/** A CSR without a CN made once by openssl (EC P-256): each item certifies it for its own client id. */
function benchCsr(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-bench-csr-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', '/O=Bench', '-out', join(dir, 'r.pem')], {
      stdio: 'ignore',
    });
    return readFileSync(join(dir, 'r.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Certificates issued per second by one worker process: the real job (IssueDeviceCertificatesJob)
 * against a database of its own, chunk transactions and sealed keys included, in this process.
 */
export async function certificateIssuance(o: { generatedEc: number; generatedRsa: number; fromCsrs: number }): Promise<IssuanceResult[]> {
  const admin = process.env['MQC_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `mqc_bench_issue_${process.pid}`;
  const adminClient = new Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const dataSource = await openMigrated({ url: url.toString(), poolSize: 4 });
  const dataDir = mkdtempSync(join(tmpdir(), 'mqc-bench-issue-'));
  const redis = new Redis(process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  try {
    const config = loadConfig({ MQC_DATA_DIR: dataDir, DATABASE_URL: url.toString() });
    const secrets = new SecretBox(config.masterKey);
    const tenant = await dataSource.getRepository(TenantEntity).save({ name: 'bench' });
    const instance = await dataSource.getRepository(InstanceEntity).save({ tenantId: tenant.id, name: 'bench', edition: 'platinum', status: 'RUNNING', statusReason: null });
    await ensureInstanceTls(dataSource.manager, instance.id, config.publicHost, secrets);
    // The issuing job publishes nothing; the bus is never connected.
    const job = new IssueDeviceCertificatesJob({ config, dataSource, secrets, changes: new ChangeBus(redis, 'bench'), logger: createLogger('worker', 'warn') });
    const csr = benchCsr();

    const runs: { label: string; request: CertificateJobRequest }[] = [
      { label: 'generated EC P-256 keys', request: { kind: 'count', count: o.generatedEc, clientIdPrefix: 'ec-', validityDays: 365, keyAlgorithm: 'ec-p256' } },
      {
        label: 'from CSRs (EC P-256)',
        request: { kind: 'items', items: Array.from({ length: o.fromCsrs }, (_, i) => ({ clientId: `csr-${i}`, csr })), validityDays: 365, keyAlgorithm: 'ec-p256' },
      },
      { label: 'generated RSA 2048 keys', request: { kind: 'count', count: o.generatedRsa, clientIdPrefix: 'rsa-', validityDays: 365, keyAlgorithm: 'rsa-2048' } },
    ];
    const results: IssuanceResult[] = [];
    for (const [i, { label, request }] of runs.entries()) {
      const total = request.kind === 'count' ? request.count : request.items.length;
      const id = `cert-bench-${i}-${process.pid}`;
      await dataSource.getRepository(CertificateJobEntity).insert({ id, tenantId: tenant.id, instanceId: instance.id, requestDigest: '', request, total, issued: 0, status: 'QUEUED', failedReason: null, attempts: 0 });
      const started = performance.now();
      await job.run({ certificateJobId: id }, { reportProgress: () => Promise.resolve(), finalAttempt: true });
      const seconds = (performance.now() - started) / 1000;
      results.push({ label, certificates: total, perSecond: total / seconds });
    }
    return results;
  } finally {
    redis.disconnect();
    await dataSource.destroy();
    await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminClient.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
