import { z } from 'zod';
import { ANONYMOUS_POLICIES, BACKEND_FAILURE_POLICIES, INSTANCE_STATUSES } from '@mqc/domain';
import { EDITION_NAMES } from '@mqc/editions';

const name = z.string().trim().min(1).max(100);
const edition = z.enum(EDITION_NAMES, { message: `must be one of ${EDITION_NAMES.join(', ')}` });

export const createInstanceSchema = z.object({ name, edition }).strict();
export const updateInstanceSchema = z
  .object({ name: name.optional(), edition: edition.optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.edition !== undefined, 'give name, edition or both');

export const listInstancesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

export const accessPolicySchema = z.object({ anonymous: z.enum(ANONYMOUS_POLICIES), onBackendFailure: z.enum(BACKEND_FAILURE_POLICIES) }).strict();

export const instanceViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  edition: z.enum(EDITION_NAMES),
  status: z.enum(INSTANCE_STATUSES),
  statusReason: z.string().nullable(),
  endpoints: z.object({ mqtt: z.string(), mqtts: z.string(), ws: z.string() }).nullable().describe('null until provisioning has allocated the ports'),
  accessPolicy: z.object({ anonymous: z.enum(ANONYMOUS_POLICIES), onBackendFailure: z.enum(BACKEND_FAILURE_POLICIES) }),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const instancePageSchema = z.object({ items: z.array(instanceViewSchema), nextCursor: z.string().nullable() });
