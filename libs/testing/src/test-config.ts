import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqcConfig } from '@mqc/config';

/**
 * A configuration of its own for one test file: its own data dir, Redis prefix and a random
 * window of listener ports, so files running in parallel never meet.
 */
export function testConfig(overrides: Partial<MqcConfig> = {}): MqcConfig {
  const first = 20_000 + randomInt(0, 400) * 100;
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
    brokerPorts: { first, last: first + 99 },
    outboundAllow: [],
    nodeName: `test-node-${randomBytes(3).toString('hex')}`,
    logLevel: process.env['MQC_TEST_LOG_LEVEL'] ?? 'silent',
    ...overrides,
  };
}
