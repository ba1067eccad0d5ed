import { z } from 'zod';

/** The body that adds a link to a provider chain: the type's own config schema is checked by the service. */
export function chainCreateSchema<T extends z.ZodType>(type: T) {
  return z
    .object({
      type,
      config: z.record(z.string(), z.unknown()).default({}),
      enabled: z.boolean().default(true),
    })
    .strict();
}

/** The body that changes a link: its config, whether it is enabled, or both. */
export const chainUpdateSchema = z
  .object({ config: z.record(z.string(), z.unknown()).optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.config !== undefined || b.enabled !== undefined, 'give config, enabled or both');

type TypedBody = z.ZodObject<{ type: z.ZodLiteral<string> }>;

/** For the OpenAPI document: the create body, one shape per type (the API checks the same schemas). */
export function chainCreateDocSchema(providers: readonly { type: string; config: z.ZodType }[]) {
  return z.discriminatedUnion(
    'type',
    providers.map((p) => z.object({ type: z.literal(p.type), config: p.config, enabled: z.boolean().default(true) })) as unknown as [TypedBody, ...TypedBody[]],
  );
}

/** Counters summed over the broker nodes: `total`, then the named ones, then latency and the time of the last report. */
export function chainMetricsSchema(counters: readonly string[]) {
  return z.object({
    total: z.number().int(),
    ...Object.fromEntries(counters.map((c) => [c, z.number().int()])),
    latencyMsAvg: z.number(),
    latencyMsMax: z.number(),
    reportedAt: z.iso.datetime().nullable().describe('null until a broker node has reported'),
  });
}

/** A link as the API shows it, secrets masked. */
export function chainViewSchema(type: z.ZodType, metrics: z.ZodType) {
  return z.object({
    id: z.uuid(),
    type,
    config: z.record(z.string(), z.unknown()).describe('secret fields show as ******** (send it back to keep the stored secret)'),
    enabled: z.boolean(),
    position: z.number().int(),
    metrics,
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  });
}
