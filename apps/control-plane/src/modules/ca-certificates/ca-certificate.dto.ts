import { z } from 'zod';
import { CA_CERTIFICATE_STATUSES } from '@mqc/domain';

const pem = (field: string) => z.string({ error: `${field} must be a PEM string` }).min(1, { error: `${field} must not be empty` }).max(64 * 1024, { error: `${field} must be at most 64 KiB` });
const status = z.enum(CA_CERTIFICATE_STATUSES, { error: `status must be one of ${CA_CERTIFICATE_STATUSES.join(', ')}` });

export const registerCaSchema = z
  .object({
    certificate: pem('certificate'),
    verificationCertificate: pem('verificationCertificate'),
    status: status.default('ACTIVE'),
    autoRegistration: z.boolean({ error: 'autoRegistration must be a boolean' }).default(false),
  })
  .strict();

export const updateCaSchema = z
  .object({ status: status.optional(), autoRegistration: z.boolean({ error: 'autoRegistration must be a boolean' }).optional() })
  .strict()
  .refine((b) => b.status !== undefined || b.autoRegistration !== undefined, 'give status, autoRegistration or both');

export const registrationCodeSchema = z.object({
  registrationCode: z.string().describe('the CN the verification certificate must carry'),
  expiresAt: z.iso.datetime().describe('single use; valid until then'),
});

export const caViewSchema = z.object({
  id: z.uuid(),
  subject: z.string(),
  commonName: z.string().nullable(),
  serialNumber: z.string(),
  fingerprint256: z.string(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  status,
  autoRegistration: z.boolean(),
  certificate: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const caListSchema = z.object({ items: z.array(caViewSchema) });
