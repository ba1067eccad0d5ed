import { z } from 'zod';
import { AUTHORIZER_PROVIDERS, AUTHORIZER_TYPES } from '@mqc/auth';

const typeEnum = z.enum(AUTHORIZER_TYPES as [string, ...string[]], { message: `must be one of ${AUTHORIZER_TYPES.join(', ')}` });

export const createAuthorizerSchema = z
  .object({
    type: typeEnum,
    config: z.record(z.string(), z.unknown()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict();

export const updateAuthorizerSchema = z
  .object({ config: z.record(z.string(), z.unknown()).optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.config !== undefined || b.enabled !== undefined, 'give config, enabled or both');

/** For the OpenAPI document: the create body, one shape per type (the API checks the same schemas). */
export const createAuthorizerDocSchema = z.discriminatedUnion(
  'type',
  AUTHORIZER_PROVIDERS.map((p) => z.object({ type: z.literal(p.type), config: p.config as z.ZodType, enabled: z.boolean().default(true) })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<string> }>,
    ...z.ZodObject<{ type: z.ZodLiteral<string> }>[],
  ],
);

const metricsSchema = z.object({
  total: z.number().int(),
  allow: z.number().int(),
  deny: z.number().int(),
  noMatch: z.number().int(),
  error: z.number().int(),
  cacheHits: z.number().int(),
  latencyMsAvg: z.number(),
  latencyMsMax: z.number(),
  reportedAt: z.iso.datetime().nullable().describe('null until a broker node has reported'),
});

export const authorizerViewSchema = z.object({
  id: z.uuid(),
  type: typeEnum,
  config: z.record(z.string(), z.unknown()).describe('secret fields show as ******** (send it back to keep the stored secret)'),
  enabled: z.boolean(),
  position: z.number().int(),
  metrics: metricsSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const authorizerListSchema = z.object({ items: z.array(authorizerViewSchema) });
