import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqcConfig } from '@mqc/config';

/**
 * A window of 100 listener ports for one test file: below Linux's ephemeral range (32768+),
 * where outgoing connections would take ports from under us, and apart for each Vitest
 * worker, so files running in parallel never meet.
 */
function listenerPorts(): { first: number; last: number } {
  const worker = Number(process.env['VITEST_POOL_ID'] ?? 0) % 12;
  const first = 20_000 + worker * 1_000 + randomInt(0, 10) * 100;
  return { first, last: first + 99 };
}

/** A configuration of its own for one test file: its own data dir, Redis prefix and ports. */
export function testConfig(overrides: Partial<MqcConfig> = {}): MqcConfig {
  return {
    production: false,
    databaseUrl: undefined,
    redisUrl: process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    redisPrefix: `mqc-test-${randomBytes(4).toString('hex')}`,
    dataDir: mkdtempSync(join(tmpdir(), 'mqc-test-')),
    apiPort: 0,
    brokerAdminPort: 0,
    workerAdminPort: 0,
    operatorToken: randomBytes(24).toString('hex'),
    masterKey: randomBytes(32),
    publicHost: '127.0.0.1',
    bindHost: '127.0.0.1',
    brokerPorts: listenerPorts(),
    outboundAllow: [],
    nodeName: `test-node-${randomBytes(3).toString('hex')}`,
    logLevel: process.env['MQC_TEST_LOG_LEVEL'] ?? 'silent',
    ...overrides,
  };
}
