import { z } from 'zod';
import { deviceKeyProblem } from './device-key';

export const DEVICE_STATUSES = ['ENABLED', 'DISABLED'] as const;

/** MQTT client ids as the registry keys them (MQTT 5 allows longer, no device needs it). */
const clientId = z.string({ error: 'clientId must be a string' }).min(1, { error: 'clientId must not be empty' }).max(256, { error: 'clientId must be at most 256 characters' });
const status = z.enum(DEVICE_STATUSES, { error: `status must be one of ${DEVICE_STATUSES.join(', ')}` });
const deviceKey = z.string({ error: 'a key must be a base64 string' }).superRefine((key, ctx) => {
  const problem = deviceKeyProblem(key);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const createDeviceSchema = z
  .object({ clientId, status: status.default('ENABLED'), primaryKey: deviceKey.optional(), secondaryKey: deviceKey.optional() })
  .strict();

export const updateDeviceSchema = z
  .object({ status: status.optional(), primaryKey: deviceKey.optional(), secondaryKey: deviceKey.optional() })
  .strict()
  .refine((b) => b.status !== undefined || b.primaryKey !== undefined || b.secondaryKey !== undefined, 'give status, primaryKey or secondaryKey');

export const regenerateKeySchema = z.object({ key: z.enum(['primary', 'secondary'], { error: 'key must be primary or secondary' }) }).strict();

export const listDevicesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional(),
});

export const deviceViewSchema = z.object({
  clientId: z.string(),
  status,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const createdDeviceSchema = deviceViewSchema.extend({
  primaryKey: z.string().describe('shown once'),
  secondaryKey: z.string().describe('shown once'),
});

export const regeneratedKeySchema = deviceViewSchema.extend({
  primaryKey: z.string().optional().describe('the new primary key, shown once'),
  secondaryKey: z.string().optional().describe('the new secondary key, shown once'),
});

export const devicePageSchema = z.object({ items: z.array(deviceViewSchema), nextCursor: z.string().nullable() });
