import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { failedChecks, runFuzz } from '../fuzz/fuzz';
import { startFuzzStack, type FuzzStack } from '../fuzz/fuzz-stack';
import { PACKET_KINDS } from '../fuzz/packet-generator';
import { MUTATIONS } from '../fuzz/mutations';

const distRoot = resolve(__dirname, '..', '..', 'dist');

/** The short run of `npm run fuzz`: the same code, fewer packets, a fixed seed. */
describe('a broker node under generated and mutated MQTT packets', () => {
  let db: TestDatabase;
  let stack: FuzzStack;

  beforeAll(async () => {
    expect(existsSync(join(distRoot, 'apps', 'broker', 'src', 'main.js')), 'npm test builds before it runs the tests').toBe(true);
    db = await createTestDatabase();
    stack = await startFuzzStack(testConfig(), db.url, distRoot);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('neither crashes nor logs an error, and a client of another instance keeps its round trips', async () => {
    const report = await runFuzz(stack, { seed: 5, packets: 30_000, concurrency: 32, maxHeapGrowthBytes: 32 * 1024 * 1024 });

    expect(failedChecks(report)).toEqual([]);
    expect(report.crash).toBeUndefined();
    expect(report.unhandledErrors).toBe(0);
    expect(report.sampleErrorLines).toEqual([]);
    expect(report.witness).toMatchObject({ failed: 0, disconnects: 0 });
    expect(report.witness.ok).toBeGreaterThan(0);
    expect(report.targetServesAfter).toBe(true);
    // Where the memory is: what the fuzzed instance held at the end, and the heap once it is deleted.
    expect(report.memory.targetUsage?.['sessions']).toBeGreaterThan(0);
    expect(report.memory.afterDelete?.heapUsedBytes).toBeGreaterThan(0);
    // What was sent: every packet type and every mutation, in both protocol versions, both
    // after an accepted CONNECT and as the first packet of a connection.
    expect(report.traffic.packets).toBe(30_000);
    for (const kind of PACKET_KINDS) expect(report.traffic.perKind[kind], kind).toBeGreaterThan(0);
    for (const mutation of MUTATIONS) expect(report.traffic.perMutation[mutation], mutation).toBeGreaterThan(0);
    expect(report.traffic.perVersion['3.1.1']).toBeGreaterThan(0);
    expect(report.traffic.perVersion['5.0']).toBeGreaterThan(0);
    expect(report.traffic.accepted).toBeGreaterThan(0);
    expect(report.traffic.fuzzedFirst).toBeGreaterThan(0);
  });
});
