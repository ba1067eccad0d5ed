import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { CertificateJobEntity, InstanceEntity, TenantEntity, createDataSource, type CertificateJobRequest } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { createLogger } from '@mqc/observability';
import type { ChangeBus } from '@mqc/queue';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { ensureInstanceTls } from './instance-tls';
import { ISSUE_CHUNK_SIZE, IssueDeviceCertificatesJob, type IssueRun } from './issue-device-certificates.job';
import { PermanentJobError } from './job-context';

/** An EC P-256 CSR made by openssl for `/CN=<cn>`. */
function opensslCsr(cn: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-csr-'));
  try {
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-subj', `/CN=${cn}`, '-out', join(dir, 'r.pem')], {
      stdio: 'ignore',
    });
    return readFileSync(join(dir, 'r.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('IssueDeviceCertificatesJob against PostgreSQL', () => {
  const config = testConfig();
  const secrets = new SecretBox(config.masterKey);
  let db: TestDatabase;
  let dataSource: DataSource;
  let job: IssueDeviceCertificatesJob;
  let tenantId: string;
  let instanceId: string;
  let sequence = 0;

  const quietly: IssueRun = { reportProgress: () => Promise.resolve(), finalAttempt: false };

  async function newJob(request: CertificateJobRequest): Promise<string> {
    const id = `cert-spec-${++sequence}`;
    const total = request.kind === 'count' ? request.count : request.items.length;
    await dataSource.getRepository(CertificateJobEntity).insert({ id, tenantId, instanceId, requestDigest: '', request, total, issued: 0, status: 'QUEUED', failedReason: null, attempts: 0 });
    return id;
  }

  const rowsOf = async (jobId: string) =>
    (await dataSource.query<{ job_item: number; client_id: string; status: string; private_key_sealed: string | null }[]>(
      'SELECT job_item, client_id, status, private_key_sealed FROM device_certificates WHERE job_id = $1 ORDER BY job_item',
      [jobId],
    ));
  const jobRow = (jobId: string) => dataSource.getRepository(CertificateJobEntity).findOneByOrFail({ id: jobId });

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource({ url: db.url, poolSize: 4 });
    await dataSource.initialize();
    tenantId = (await dataSource.getRepository(TenantEntity).save({ name: 't' })).id;
    instanceId = (await dataSource.getRepository(InstanceEntity).save({ tenantId, name: 'i', edition: 'professional', status: 'RUNNING', statusReason: null })).id;
    await ensureInstanceTls(dataSource.manager, instanceId, config.publicHost, secrets);
    // The issuing job announces nothing on the bus.
    job = new IssueDeviceCertificatesJob({ config, dataSource, secrets, changes: {} as ChangeBus, logger: createLogger('worker', 'silent') });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  it('resumes after a crash between chunks without issuing any item twice', async () => {
    const jobId = await newJob({ kind: 'count', count: 120, clientIdPrefix: 'dev-', validityDays: 30, keyAlgorithm: 'ec-p256' });
    // The process "dies" right after its first chunk committed.
    const crashing: IssueRun = { reportProgress: () => Promise.reject(new Error('worker died')), finalAttempt: false };
    await expect(job.run({ certificateJobId: jobId }, crashing)).rejects.toThrow('worker died');
    expect(await rowsOf(jobId)).toHaveLength(ISSUE_CHUNK_SIZE);
    expect((await jobRow(jobId)).status).toBe('RUNNING');

    const progress: number[] = [];
    await job.run({ certificateJobId: jobId }, { reportProgress: (p) => Promise.resolve(void progress.push(p.issued)), finalAttempt: false });
    const rows = await rowsOf(jobId);
    expect(rows.map((r) => r.job_item)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(rows.map((r) => r.client_id)).toEqual(Array.from({ length: 120 }, (_, i) => `dev-${i + 1}`));
    expect(rows.every((r) => r.status === 'ACTIVE' && r.private_key_sealed !== null && !r.private_key_sealed.includes('PRIVATE KEY'))).toBe(true);
    expect(progress).toEqual([100, 120]);
    expect(await jobRow(jobId)).toMatchObject({ status: 'SUCCEEDED', issued: 120, attempts: 2 });

    // A replay of a finished job (its queue entry expired, the same id queued again) does nothing.
    await job.run({ certificateJobId: jobId }, quietly);
    expect(await rowsOf(jobId)).toHaveLength(120);
  });

  it('issues from CSRs without keeping any key, and fails a job for good on a CSR naming another CN, removing what it had issued', async () => {
    const good = opensslCsr('csr-ok');
    const ok = await newJob({ kind: 'items', items: [{ clientId: 'csr-ok', csr: good }], validityDays: 30, keyAlgorithm: 'ec-p256' });
    await job.run({ certificateJobId: ok }, quietly);
    expect((await rowsOf(ok)).map((r) => [r.client_id, r.private_key_sealed])).toEqual([['csr-ok', null]]);

    const items = [...Array.from({ length: ISSUE_CHUNK_SIZE + 5 }, (_, i) => ({ clientId: `gen-${i}` })), { clientId: 'victim', csr: opensslCsr('intruder') }];
    const doomed = await newJob({ kind: 'items', items, validityDays: 30, keyAlgorithm: 'ec-p256' });
    const failure = job.run({ certificateJobId: doomed }, quietly);
    await expect(failure).rejects.toBeInstanceOf(PermanentJobError);
    await expect(failure).rejects.toThrow(/the CSR asks for CN "intruder", the certificate is for "victim"/);
    expect(await rowsOf(doomed)).toEqual([]);
    expect(await jobRow(doomed)).toMatchObject({ status: 'FAILED', issued: 0, failedReason: 'the CSR asks for CN "intruder", the certificate is for "victim"' });
  });

  it('keeps the work of a transient failure for the retry, and cleans up after the last attempt', async () => {
    const jobId = await newJob({ kind: 'count', count: ISSUE_CHUNK_SIZE * 2, clientIdPrefix: 'retry-', validityDays: 30, keyAlgorithm: 'ec-p256' });
    let calls = 0;
    const flaky = (finalAttempt: boolean): IssueRun => ({ reportProgress: () => (++calls === 1 ? Promise.reject(new Error('redis away')) : Promise.resolve()), finalAttempt });
    await expect(job.run({ certificateJobId: jobId }, flaky(false))).rejects.toThrow('redis away');
    expect(await rowsOf(jobId)).toHaveLength(ISSUE_CHUNK_SIZE);
    calls = 0;
    await expect(job.run({ certificateJobId: jobId }, flaky(true))).rejects.toThrow('redis away');
    expect(await rowsOf(jobId)).toEqual([]);
    expect(await jobRow(jobId)).toMatchObject({ status: 'FAILED', failedReason: 'redis away' });
  });
});
