import { z } from 'zod';
import { AUTHENTICATOR_CONFIG_SCHEMAS, AUTHENTICATOR_TYPES } from '@mqc/auth';

export const createAuthenticatorSchema = z
  .object({
    type: z.enum(AUTHENTICATOR_TYPES, { message: `must be one of ${AUTHENTICATOR_TYPES.join(', ')}` }),
    config: z.record(z.string(), z.unknown()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict();

export const updateAuthenticatorSchema = z
  .object({ config: z.record(z.string(), z.unknown()).optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.config !== undefined || b.enabled !== undefined, 'give config, enabled or both');

export const orderSchema = z.object({ ids: z.array(z.uuid()).min(1) }).strict();

/** For the OpenAPI document: the create body, one shape per type (the API checks the same schemas). */
export const createAuthenticatorDocSchema = z.discriminatedUnion(
  'type',
  AUTHENTICATOR_TYPES.map((type) =>
    z.object({
      type: z.literal(type),
      config: AUTHENTICATOR_CONFIG_SCHEMAS[type] as z.ZodType,
      enabled: z.boolean().default(true),
    }),
  ) as unknown as [z.ZodObject<{ type: z.ZodLiteral<string> }>, ...z.ZodObject<{ type: z.ZodLiteral<string> }>[]],
);

const metricsSchema = z.object({
  total: z.number().int(),
  allow: z.number().int(),
  deny: z.number().int(),
  ignore: z.number().int(),
  error: z.number().int(),
  latencyMsAvg: z.number(),
  latencyMsMax: z.number(),
  reportedAt: z.iso.datetime().nullable().describe('null until a broker node has reported'),
});

export const authenticatorViewSchema = z.object({
  id: z.uuid(),
  type: z.enum(AUTHENTICATOR_TYPES),
  config: z.record(z.string(), z.unknown()).describe('secret fields show as ******** (send it back to keep the stored secret)'),
  enabled: z.boolean(),
  position: z.number().int(),
  metrics: metricsSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const authenticatorListSchema = z.object({ items: z.array(authenticatorViewSchema) });
