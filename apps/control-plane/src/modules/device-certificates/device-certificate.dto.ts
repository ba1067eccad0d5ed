import { z } from 'zod';
import { DEVICE_CERTIFICATE_STATUSES } from '@mqc/domain';

const status = z.enum(DEVICE_CERTIFICATE_STATUSES, { error: `status must be one of ${DEVICE_CERTIFICATE_STATUSES.join(', ')}` });

export const registerDeviceCertificateSchema = z
  .object({
    certificate: z.string({ error: 'certificate must be a PEM string' }).min(1, { error: 'certificate must not be empty' }).max(64 * 1024, { error: 'certificate must be at most 64 KiB' }),
    status: z.enum(['ACTIVE', 'INACTIVE', 'PENDING_ACTIVATION'], { error: 'status must be ACTIVE, INACTIVE or PENDING_ACTIVATION' }).default('ACTIVE'),
  })
  .strict();

export const updateDeviceCertificateSchema = z
  .object({ status: z.enum(['ACTIVE', 'INACTIVE', 'REVOKED'], { error: 'status must be ACTIVE, INACTIVE or REVOKED' }) })
  .strict();

export const listDeviceCertificatesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional().describe('the last serial number of the previous page'),
  status: status.optional(),
  clientId: z.string().optional(),
});

export const deviceCertificateViewSchema = z.object({
  serialNumber: z.string().describe('upper-case hex'),
  clientId: z.string().describe('the CN: the only client id this certificate may connect with'),
  status,
  origin: z.enum(['API', 'JITP', 'ISSUED']),
  caCertificateId: z.uuid().nullable().describe('the registered CA that issued it; null: the instance CA'),
  subject: z.string(),
  fingerprint256: z.string(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
  jobId: z.string().nullable(),
  certificate: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const deviceCertificatePageSchema = z.object({ items: z.array(deviceCertificateViewSchema), nextCursor: z.string().nullable() });
