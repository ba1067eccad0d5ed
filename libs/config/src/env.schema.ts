import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

/** "18830-19829": an inclusive range of TCP ports. */
const portRange = z
  .string()
  .regex(/^\d+-\d+$/, 'expected FIRST-LAST, e.g. 18830-19829')
  .transform((text) => {
    const [first, last] = text.split('-').map(Number) as [number, number];
    return { first, last };
  })
  .refine((r) => r.first >= 1 && r.last <= 65535 && r.first <= r.last, 'ports must be 1-65535 with FIRST <= LAST');

const postgresUrl = z
  .string()
  .refine((u) => /^postgres(ql)?:\/\/.+/.test(u), 'expected a postgres:// or postgresql:// URL');
const natsUrl = z.string().refine((u) => /^(nats|tls):\/\/.+/.test(u), 'expected a nats:// or tls:// URL (several separated by commas)');
const redisUrl = z.string().refine((u) => /^rediss?:\/\/.+/.test(u), 'expected a redis:// or rediss:// URL');

/** A 32-byte key, written as 64 hex digits or 44 base64 characters. */
const masterKey = z
  .string()
  .transform((text) => (/^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64')))
  .refine((key) => key.length === 32, 'expected 32 bytes as 64 hex digits or base64');

const commaList = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean));

/** SPEC section 8, plus the few operational knobs the README documents. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  NATS_URL: natsUrl.default('nats://127.0.0.1:4222'),
  MQC_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  MQC_REDIS_PREFIX: z.string().regex(/^[a-zA-Z0-9_-]+$/).default('mqc'),
  MQC_DATA_DIR: z.string().min(1).default('./.mqc'),
  MQC_API_PORT: port.default(8080),
  MQC_BROKER_ADMIN_PORT: port.default(8081),
  MQC_WORKER_ADMIN_PORT: port.default(8082),
  MQC_OPERATOR_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  MQC_MASTER_KEY: masterKey.optional(),
  MQC_PUBLIC_HOST: z.string().min(1).default('127.0.0.1'),
  MQC_BIND_HOST: z.string().min(1).default('0.0.0.0'),
  MQC_ADMIN_BIND_HOST: z.string().min(1).default('127.0.0.1'),
  MQC_BROKER_PORTS: portRange.prefault('18830-19829'),
  MQC_OUTBOUND_ALLOW: commaList.prefault(''),
  MQC_NODE_NAME: z.string().regex(/^[a-zA-Z0-9._-]+$/).optional(),
  MQC_SLOW_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  MQC_FD_RESERVE: z.coerce.number().int().min(16).max(1_000_000).optional(),
  MQC_SHARED_TLS_PORT: port.optional(),
  MQC_SHARED_TLS_CONTEXTS: z.coerce.number().int().min(1).max(10_000_000).optional(),
  MQC_PUBLIC_DOMAIN: z
    .string()
    .regex(/^(?=.{1,200}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'expected a DNS name such as mqtt.example.com')
    .optional(),
  MQC_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;
