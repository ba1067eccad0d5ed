import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { envSchema } from './env.schema';
import { ConfigError } from './config.error';
import { readOrCreateSecret } from './secrets';

export interface PortRange {
  first: number;
  last: number;
}

/** Everything the three apps read from the environment, validated once. */
export interface MqcConfig {
  production: boolean;
  /** Unset: the embedded PostgreSQL of `dataDir`. */
  databaseUrl: string | undefined;
  redisUrl: string;
  /** Prefix of every Redis key and channel, and of NATS stream and subject names, so deployments (and tests) can share a Redis and a NATS. */
  redisPrefix: string;
  /** NATS with JetStream: the broker's durable sessions, queues and retained messages (issue 14). */
  natsUrl: string;
  /** Replicas of each JetStream stream (1 on one server, 3 in a production cluster). */
  natsReplicas: number;
  dataDir: string;
  apiPort: number;
  brokerAdminPort: number;
  workerAdminPort: number;
  operatorToken: string;
  masterKey: Buffer;
  publicHost: string;
  bindHost: string;
  /** Where the broker's and the worker's /healthz, /readyz and /metrics listen: loopback unless set. */
  adminBindHost: string;
  brokerPorts: PortRange;
  outboundAllow: string[];
  nodeName: string;
  logLevel: string;
  /** Slow password hashes (bcrypt, pbkdf2, argon2) at once; unset: every core but one. */
  slowHashConcurrency: number | undefined;
  /** File descriptors the broker keeps free of client connections; unset: a tenth of the limit, 64 to 1,024. */
  fdReserve: number | undefined;
  /** One MQTT-over-TLS port per broker node for all its instances, routed by TLS server name; unset: none. */
  sharedTlsPort: number | undefined;
  /** Instances are named `<instance id>.<publicDomain>` on the shared endpoint; required with sharedTlsPort. */
  publicDomain: string | undefined;
  /** Secure contexts the shared endpoint keeps (least recently used evicted); unset: the broker's default. */
  sharedTlsContexts: number | undefined;
}

/**
 * Reads and validates the environment. A missing or malformed value throws a ConfigError
 * naming the variable; secrets left unset are generated into the data directory once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): MqcConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const dataDir = resolve(e.MQC_DATA_DIR);
  if (production && !e.MQC_MASTER_KEY) {
    throw new ConfigError(['MQC_MASTER_KEY: required when NODE_ENV=production (a generated key would live beside the data)']);
  }
  if (e.MQC_SHARED_TLS_PORT !== undefined && !e.MQC_PUBLIC_DOMAIN) {
    throw new ConfigError(['MQC_PUBLIC_DOMAIN: required with MQC_SHARED_TLS_PORT (the shared endpoint finds an instance by the name <instance id>.<MQC_PUBLIC_DOMAIN>)']);
  }
  return {
    production,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.MQC_REDIS_PREFIX,
    natsUrl: e.NATS_URL,
    natsReplicas: e.MQC_NATS_REPLICAS,
    dataDir,
    apiPort: e.MQC_API_PORT,
    brokerAdminPort: e.MQC_BROKER_ADMIN_PORT,
    workerAdminPort: e.MQC_WORKER_ADMIN_PORT,
    operatorToken: e.MQC_OPERATOR_TOKEN ?? readOrCreateSecret(dataDir, 'operator-token', 'hex', 'MQC_OPERATOR_TOKEN'),
    masterKey: e.MQC_MASTER_KEY ?? Buffer.from(readOrCreateSecret(dataDir, 'master-key', 'hex', 'MQC_MASTER_KEY'), 'hex'),
    publicHost: e.MQC_PUBLIC_HOST,
    bindHost: e.MQC_BIND_HOST,
    adminBindHost: e.MQC_ADMIN_BIND_HOST,
    brokerPorts: e.MQC_BROKER_PORTS,
    outboundAllow: e.MQC_OUTBOUND_ALLOW,
    nodeName: e.MQC_NODE_NAME ?? `${hostname()}-${e.MQC_BROKER_ADMIN_PORT}`,
    logLevel: e.MQC_LOG_LEVEL,
    slowHashConcurrency: e.MQC_SLOW_HASH_CONCURRENCY,
    fdReserve: e.MQC_FD_RESERVE,
    sharedTlsPort: e.MQC_SHARED_TLS_PORT,
    publicDomain: e.MQC_PUBLIC_DOMAIN?.toLowerCase(),
    sharedTlsContexts: e.MQC_SHARED_TLS_CONTEXTS,
  };
}
