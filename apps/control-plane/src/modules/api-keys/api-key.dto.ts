import { z } from 'zod';

export const createApiKeySchema = z.object({ name: z.string().trim().min(1).max(100).default('api key') }).strict();

export const apiKeyViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('the first characters of the secret, to recognise a key'),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
});
export const createdApiKeySchema = apiKeyViewSchema.extend({ secret: z.string().describe('shown once, at creation') });
export const apiKeyListSchema = z.object({ items: z.array(apiKeyViewSchema) });
