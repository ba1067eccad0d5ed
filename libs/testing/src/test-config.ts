import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqcConfig } from '@mqc/config';

/** Windows handed out in this test file so far (module state is fresh for every file). */
let windowsTaken = 0;

/**
 * A window of 100 listener ports: below Linux's ephemeral range (32768+), where outgoing
 * connections would take ports from under us. Each Vitest worker has its own 1,000 ports and
 * each stack of a file the next window in them, so stacks running at the same time never meet.
 */
function listenerPorts(): { first: number; last: number } {
  // Several checkouts testing on one machine each take their own base and worker count.
  const base = Number(process.env['MQC_TEST_PORT_BASE'] ?? 20_000);
  const worker = Number(process.env['VITEST_POOL_ID'] ?? 0) % Number(process.env['MQC_TEST_PORT_WORKERS'] ?? 12);
  const first = base + worker * 1_000 + (windowsTaken++ % 10) * 100;
  return { first, last: first + 99 };
}

/** A configuration of its own for one test file: its own data dir, Redis and NATS prefix and ports. */
export function testConfig(overrides: Partial<MqcConfig> = {}): MqcConfig {
  return {
    production: false,
    databaseUrl: undefined,
    redisUrl: process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    redisPrefix: `mqc-test-${randomBytes(4).toString('hex')}`,
    natsUrl: process.env['MQC_TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222',
    natsReplicas: 1,
    dataDir: mkdtempSync(join(tmpdir(), 'mqc-test-')),
    apiPort: 0,
    brokerAdminPort: 0,
    workerAdminPort: 0,
    operatorToken: randomBytes(24).toString('hex'),
    masterKey: randomBytes(32),
    publicHost: '127.0.0.1',
    bindHost: '127.0.0.1',
    adminBindHost: '127.0.0.1',
    brokerPorts: listenerPorts(),
    outboundAllow: [],
    nodeName: `test-node-${randomBytes(3).toString('hex')}`,
    logLevel: process.env['MQC_TEST_LOG_LEVEL'] ?? 'silent',
    slowHashConcurrency: undefined,
    fdReserve: undefined,
    sharedTlsPort: undefined,
    publicDomain: undefined,
    sharedTlsContexts: undefined,
    ...overrides,
  };
}
