import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CertificateJobEntity, DeviceCertificateEntity, InstanceEntity, type CertificateJobStatus } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { SECRET_BOX } from '../../common/tokens';

export interface JobView {
  id: string;
  type: 'issue-device-certificates';
  instanceId: string;
  status: CertificateJobStatus;
  total: number;
  issued: number;
  progress: number;
  failedReason: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobResult {
  jobId: string;
  instanceId: string;
  caCertificate: string;
  certificates: { clientId: string; serialNumber: string; certificate: string; privateKey?: string }[];
}

const JOB_ID = /^cert-[0-9a-f-]{36,40}$/;

/**
 * SPEC 7, GET /v1/jobs/{jobId}[/result]: the tenant's view of its jobs, from the database (it
 * outlives the queue's copy and any worker restart). Another tenant's job is a 404.
 */
@Injectable()
export class JobService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {}

  private async findOwned(tenantId: string, jobId: string): Promise<CertificateJobEntity> {
    const job = JOB_ID.test(jobId) ? await this.dataSource.manager.findOneBy(CertificateJobEntity, { id: jobId, tenantId }) : null;
    if (!job) throw new NotFoundError('job');
    return job;
  }

  async get(tenantId: string, jobId: string): Promise<JobView> {
    const job = await this.findOwned(tenantId, jobId);
    return {
      id: job.id,
      type: 'issue-device-certificates',
      instanceId: job.instanceId,
      status: job.status,
      total: job.total,
      issued: job.issued,
      progress: job.total === 0 ? 1 : job.issued / job.total,
      failedReason: job.failedReason,
      attempts: job.attempts,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
    };
  }

  /** The bundle of a SUCCEEDED job: every certificate in request order, with the keys generated for it. */
  async result(tenantId: string, jobId: string): Promise<JobResult> {
    const job = await this.findOwned(tenantId, jobId);
    if (job.status === 'FAILED') throw new DomainError('conflict', 'job-failed', `the job failed: ${job.failedReason ?? 'unknown reason'}`, { jobId });
    if (job.status !== 'SUCCEEDED') throw new DomainError('conflict', 'job-not-finished', `the job is ${job.status}; ${job.issued} of ${job.total} issued`, { jobId });
    const instance = await this.dataSource.manager.findOne(InstanceEntity, { where: { id: job.instanceId }, select: { id: true, caCertPem: true } });
    const rows = await this.dataSource.getRepository(DeviceCertificateEntity).find({
      where: { jobId },
      select: { id: true, clientId: true, serialNumber: true, certificatePem: true, privateKeySealed: true, jobItem: true },
      order: { jobItem: 'ASC' },
    });
    return {
      jobId,
      instanceId: job.instanceId,
      caCertificate: instance?.caCertPem ?? '',
      certificates: rows.map((r) => ({
        clientId: r.clientId,
        serialNumber: r.serialNumber,
        certificate: r.certificatePem,
        ...(r.privateKeySealed ? { privateKey: this.box.openText(r.privateKeySealed, SECRET_CONTEXT.deviceCertificateKey(r.id)) } : {}),
      })),
    };
  }
}
