import { z } from 'zod';

/** Up to this many certificates per job. */
export const MAX_CERTIFICATES_PER_JOB = 10_000;

const clientId = z.string({ error: 'a client id must be a string' }).min(1, { error: 'a client id must not be empty' }).max(64, { error: 'a client id (the CN) must be at most 64 characters' });

/** One of `clientIds`, `count` (+ `clientIdPrefix`) or `csrs` (SPEC 7). */
export const issueCertificatesSchema = z
  .object({
    clientIds: z.array(clientId).min(1).max(MAX_CERTIFICATES_PER_JOB).optional(),
    count: z.number({ error: 'count must be a number' }).int().min(1).max(MAX_CERTIFICATES_PER_JOB).optional(),
    clientIdPrefix: z.string({ error: 'clientIdPrefix must be a string' }).min(1).max(48).optional(),
    csrs: z.array(z.string({ error: 'a CSR must be a PEM string' }).min(1).max(16 * 1024)).min(1).max(MAX_CERTIFICATES_PER_JOB).optional(),
    validityDays: z.number({ error: 'validityDays must be a number' }).int().min(1).max(3650).default(365),
    keyAlgorithm: z.enum(['ec-p256', 'rsa-2048'], { error: 'keyAlgorithm must be ec-p256 or rsa-2048' }).default('ec-p256').describe('for generated key pairs'),
    idempotencyKey: z.string().min(1).max(200).optional().describe('or the Idempotency-Key header: the same key and request issue once'),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = [b.clientIds, b.count, b.csrs].filter((v) => v !== undefined).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of clientIds, count (with clientIdPrefix) or csrs' });
    if (b.count !== undefined && b.clientIdPrefix === undefined) ctx.addIssue({ code: 'custom', path: ['clientIdPrefix'], message: 'count needs a clientIdPrefix' });
    if (b.clientIds !== undefined && new Set(b.clientIds).size !== b.clientIds.length) ctx.addIssue({ code: 'custom', path: ['clientIds'], message: 'client ids must be distinct' });
  });

export const jobAcceptedSchema = z.object({ jobId: z.string(), status: z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']), total: z.number().int() });
