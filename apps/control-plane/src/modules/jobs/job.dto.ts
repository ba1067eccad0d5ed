import { z } from 'zod';

export const jobViewSchema = z.object({
  id: z.string(),
  type: z.literal('issue-device-certificates'),
  instanceId: z.uuid(),
  status: z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']),
  total: z.number().int(),
  issued: z.number().int(),
  progress: z.number().describe('issued / total, 0 to 1'),
  failedReason: z.string().nullable(),
  attempts: z.number().int(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
});

export const jobResultSchema = z.object({
  jobId: z.string(),
  instanceId: z.uuid(),
  caCertificate: z.string().describe('the instance CA that issued the certificates (and signs the server certificate)'),
  certificates: z.array(
    z.object({
      clientId: z.string(),
      serialNumber: z.string(),
      certificate: z.string(),
      privateKey: z.string().optional().describe('PKCS#8 PEM, present when the key was generated (not for CSRs)'),
    }),
  ),
});
