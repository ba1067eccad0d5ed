import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { CertificateJobEntity, type CertificateJobRequest, type CertificateJobStatus } from '@mqc/db';
import { PkiError, parseCsr } from '@mqc/pki';
import type { JobProducer } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { JOB_PRODUCER } from '../../common/tokens';
import { InstanceChanges } from '../instances/instance-changes';
import { fieldRefusal } from '../x509/pki-problem';
import { assertDeviceCertificateQuota } from './device-certificate.service';

export interface IssueInput {
  clientIds?: string[];
  count?: number;
  clientIdPrefix?: string;
  csrs?: string[];
  validityDays: number;
  keyAlgorithm: 'ec-p256' | 'rsa-2048';
  idempotencyKey?: string;
}

/** CN limit of RFC 5280; the count form's client ids are the prefix and a number. */
const MAX_CN = 64;

/** The request as the worker will read it, with every CSR checked and its CN taken as the client id. */
function normalize(input: IssueInput): CertificateJobRequest {
  const common = { validityDays: input.validityDays, keyAlgorithm: input.keyAlgorithm };
  if (input.count !== undefined) {
    const prefix = input.clientIdPrefix ?? '';
    if (prefix.length + String(input.count).length > MAX_CN) throw fieldRefusal('validation-failed', 'clientIdPrefix', `client ids would exceed ${MAX_CN} characters`);
    return { kind: 'count', count: input.count, clientIdPrefix: prefix, ...common };
  }
  if (input.clientIds !== undefined) return { kind: 'items', items: input.clientIds.map((clientId) => ({ clientId })), ...common };
  const items = (input.csrs ?? []).map((csr, i) => {
    let commonName: string | undefined;
    try {
      commonName = parseCsr(csr).commonName;
    } catch (error) {
      if (error instanceof PkiError) throw fieldRefusal(error.code, `csrs.${i}`, error.message);
      throw error;
    }
    if (commonName === undefined || commonName.length === 0 || [...commonName].length > MAX_CN) {
      throw fieldRefusal('csr-without-cn', `csrs.${i}`, `a CSR must name the device's client id as its CN (1 to ${MAX_CN} characters)`);
    }
    return { clientId: commonName, csr };
  });
  return { kind: 'items', items, ...common };
}

/**
 * SPEC 4.2: device certificates from the instance CA, issued by the worker. The request is
 * checked here (edition, CA ready, quota, every CSR) and stored with the job, so the queue
 * carries only the job id and the worker never sees a request the API did not accept. The
 * job id derives from the tenant's idempotency key: the same request twice is one job.
 */
@Injectable()
export class CertificateIssueService {
  constructor(
    private readonly write: InstanceChanges,
    @Inject(JOB_PRODUCER) private readonly jobs: JobProducer,
  ) {}

  async issue(tenantId: string, instanceId: string, input: IssueInput, caller: Caller): Promise<{ jobId: string; status: CertificateJobStatus; total: number }> {
    const request = normalize(input);
    const total = request.kind === 'items' ? request.items.length : request.count;
    const requestDigest = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    // BullMQ job ids may not contain ':'; a digest keeps the tenant's key out of Redis.
    const jobId = `cert-${input.idempotencyKey === undefined ? randomUUID() : createHash('sha256').update(`${tenantId}\n${instanceId}\n${input.idempotencyKey}`).digest('hex').slice(0, 40)}`;

    const job = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const existing = await manager.findOneBy(CertificateJobEntity, { id: jobId });
      if (existing) {
        if (existing.requestDigest !== requestDigest) {
          throw new DomainError('conflict', 'idempotency-key-reused', 'this idempotency key was used for another request', { jobId });
        }
        return { result: existing, audit: null, change: null };
      }
      // Every edition issues from the instance CA (basic's mTLS needs it); the edition's deviceCertificates quota bounds it.
      if (!instance.caCertPem) throw new DomainError('conflict', 'ca-not-ready', 'the instance CA is made during provisioning; try again shortly');
      await assertDeviceCertificateQuota(manager, instance, total);
      const created = await manager.save(
        manager.create(CertificateJobEntity, { id: jobId, tenantId, instanceId, requestDigest, request, total, issued: 0, status: 'QUEUED', failedReason: null, attempts: 0 }),
      );
      const details = { instanceId, total, from: request.kind === 'count' ? 'count' : input.csrs !== undefined ? 'csrs' : 'clientIds' };
      // The worker announces the certificates it issues.
      return { result: created, audit: { action: 'device-certificate.issue', resourceType: 'job', resourceId: jobId, details }, change: null };
    });
    // Enqueued on every request, replays included: BullMQ keeps one job per id, and a job row
    // committed by a request that died before this line is queued by its retry.
    if (job.status === 'QUEUED' || job.status === 'RUNNING') await this.jobs.enqueue('issue-device-certificates', { certificateJobId: jobId }, { jobId });
    return { jobId, status: job.status, total: job.total };
  }
}
