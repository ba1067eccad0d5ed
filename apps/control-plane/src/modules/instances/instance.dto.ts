import { z } from 'zod';
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
