import { randomUUID } from 'node:crypto';
import { CertificateJobEntity, DeviceCertificateEntity, type CertificateJobItem, type CertificateJobRequest } from '@mqc/db';
import { SECRET_CONTEXT } from '@mqc/domain';
import { EDITIONS, type EditionName } from '@mqc/editions';
import { PkiError, issueClientCertificate, loadSigningCa, parseCertificate, type SigningCa } from '@mqc/pki';
import type { JobPayloads } from '@mqc/queue';
import type { EntityManager } from 'typeorm';
import { PermanentJobError, type JobContext } from './job-context';

export type IssueDeviceCertificatesPayload = JobPayloads['issue-device-certificates'];

/** Certificates issued and committed together: a crash loses at most one chunk of work. */
export const ISSUE_CHUNK_SIZE = 50;

/** What the job reports as it goes (BullMQ progress). */
export interface IssueProgress {
  issued: number;
  total: number;
}

export interface IssueRun {
  reportProgress(progress: IssueProgress): Promise<void>;
  /** True when this attempt is the last one: a failure is then final and cleaned up. */
  finalAttempt: boolean;
}

interface InstanceRow {
  status: string;
  edition: EditionName;
  ca_cert_pem: string | null;
  ca_key_sealed: string | null;
}

const LIVE_STATUSES = new Set(['RUNNING', 'UPDATING']);

/** The n-th certificate of a request (n from 0): its client id and, from a CSR, the device's request. */
export function itemOf(request: CertificateJobRequest, n: number): CertificateJobItem {
  return request.kind === 'items' ? request.items[n]! : { clientId: `${request.clientIdPrefix}${n + 1}` };
}

export function totalOf(request: CertificateJobRequest): number {
  return request.kind === 'items' ? request.items.length : request.count;
}

/**
 * SPEC 4.2: issues device certificates from the instance's own CA — from CSRs (the key never
 * leaves the device) or with generated key pairs (sealed, for the result bundle) — and
 * registers each one ACTIVE. Work is chunked; each chunk is one transaction keyed by
 * (job, item), so a worker killed half-way resumes where the last commit stopped and never
 * issues an item twice. A final failure removes every certificate of the job and marks it
 * FAILED with the reason.
 */
export class IssueDeviceCertificatesJob {
  constructor(private readonly context: JobContext) {}

  async run({ certificateJobId }: IssueDeviceCertificatesPayload, run: IssueRun): Promise<void> {
    try {
      await this.issue(certificateJobId, run);
    } catch (error) {
      const permanent = error instanceof PermanentJobError || error instanceof PkiError;
      if (permanent || run.finalAttempt) await this.fail(certificateJobId, error);
      if (error instanceof PkiError) throw new PermanentJobError(error.message);
      throw error;
    }
  }

  private async issue(certificateJobId: string, run: IssueRun): Promise<void> {
    const { dataSource, secrets, logger } = this.context;
    const job = await dataSource.getRepository(CertificateJobEntity).findOne({
      where: { id: certificateJobId },
      select: { id: true, instanceId: true, status: true, total: true, request: true },
    });
    // Issued once: a job already finished (or replayed after its queue entry expired) does nothing.
    if (!job || job.status === 'SUCCEEDED' || job.status === 'FAILED') return;
    await dataSource.query(
      `UPDATE certificate_jobs SET status = 'RUNNING', attempts = attempts + 1, started_at = coalesce(started_at, now()) WHERE id = $1`,
      [job.id],
    );

    const instance = await this.instance(dataSource.manager, job.instanceId);
    if (!instance.ca_cert_pem || !instance.ca_key_sealed) throw new PermanentJobError('the instance has no CA yet');
    const ca = loadSigningCa({ certPem: instance.ca_cert_pem, keyPem: secrets.openText(instance.ca_key_sealed, SECRET_CONTEXT.instanceCaKey(job.instanceId)) });

    const request = job.request;
    const total = totalOf(request);
    const done = new Set<number>(
      (await dataSource.query<{ job_item: number }[]>('SELECT job_item FROM device_certificates WHERE job_id = $1', [job.id])).map((r) => r.job_item),
    );
    const pending = Array.from({ length: total }, (_, n) => n).filter((n) => !done.has(n));
    if (done.size > 0) logger.info({ jobId: job.id, done: done.size, total }, 'resuming a device-certificate job');
    for (let start = 0; start < pending.length; start += ISSUE_CHUNK_SIZE) {
      const chunk = pending.slice(start, start + ISSUE_CHUNK_SIZE);
      const rows = await Promise.all(chunk.map((n) => this.certificate(job.id, job.instanceId, ca, request, n)));
      const issued = await dataSource.transaction(async (manager) => {
        const current = await this.instance(manager, job.instanceId, true);
        if (!LIVE_STATUSES.has(current.status)) throw new PermanentJobError(`the instance is ${current.status.toLowerCase()}`);
        const limit = EDITIONS[current.edition].quotas.deviceCertificates;
        const used = await manager.countBy(DeviceCertificateEntity, { instanceId: job.instanceId });
        if (used + rows.length > limit) throw new PermanentJobError(`the ${current.edition} edition allows ${limit} device certificates; ${used} are registered`);
        await manager.createQueryBuilder().insert().into(DeviceCertificateEntity).values(rows).orIgnore().execute();
        // A SELECT around the UPDATE: TypeORM answers an UPDATE with [rows, count], a SELECT with its rows.
        const [row] = await manager.query<{ issued: number }[]>(
          `WITH updated AS (UPDATE certificate_jobs SET issued = (SELECT count(*) FROM device_certificates WHERE job_id = $1) WHERE id = $1 RETURNING issued)
           SELECT issued FROM updated`,
          [job.id],
        );
        return row?.issued ?? 0;
      });
      await run.reportProgress({ issued, total });
    }
    await dataSource.query(`UPDATE certificate_jobs SET status = 'SUCCEEDED', finished_at = now(), failed_reason = NULL WHERE id = $1 AND status = 'RUNNING'`, [job.id]);
    logger.info({ jobId: job.id, instanceId: job.instanceId, total }, 'device certificates issued');
  }

  private async instance(manager: EntityManager, instanceId: string, lock = false): Promise<InstanceRow> {
    // FOR SHARE: a concurrent delete (or edition change) waits for the chunk, and the chunk sees the outcome of one that came first.
    const rows = await manager.query<InstanceRow[]>(
      `SELECT status, edition, ca_cert_pem, ca_key_sealed FROM instances WHERE id = $1${lock ? ' FOR SHARE' : ''}`,
      [instanceId],
    );
    if (!rows[0]) throw new PermanentJobError('the instance no longer exists');
    return rows[0];
  }

  private async certificate(jobId: string, instanceId: string, ca: SigningCa, request: CertificateJobRequest, n: number): Promise<Partial<DeviceCertificateEntity>> {
    const item = itemOf(request, n);
    const issued = await issueClientCertificate({
      ca,
      commonName: item.clientId,
      validityDays: request.validityDays,
      ...(item.csr !== undefined ? { csrPem: item.csr } : { keyAlgorithm: request.keyAlgorithm }),
    });
    const info = parseCertificate(issued.certPem);
    const id = randomUUID();
    return {
      id,
      instanceId,
      caCertificateId: null,
      clientId: item.clientId,
      serialNumber: info.serialNumber,
      fingerprint256: info.fingerprint256,
      certificatePem: issued.certPem,
      subject: info.subject,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      status: 'ACTIVE',
      origin: 'ISSUED',
      revokedAt: null,
      jobId,
      jobItem: n,
      privateKeySealed: issued.keyPem === undefined ? null : this.context.secrets.seal(issued.keyPem, SECRET_CONTEXT.deviceCertificateKey(id)),
    };
  }

  /** A final failure: no certificate of the job stays registered, and the job says why. */
  private async fail(certificateJobId: string, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    await this.context.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM device_certificates WHERE job_id = $1', [certificateJobId]);
      await manager.query(`UPDATE certificate_jobs SET status = 'FAILED', issued = 0, failed_reason = $2, finished_at = now() WHERE id = $1`, [certificateJobId, reason]);
    });
    this.context.logger.warn({ jobId: certificateJobId, reason }, 'device-certificate job failed; its certificates were removed');
  }
}
