import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { newTenant } from '../support/instances';

describe('provisioning when the broker node cannot open an instance\'s listeners', () => {
  let db: TestDatabase;
  let stack: Stack;
  let squatter: Server;

  beforeAll(async () => {
    const config = testConfig();
    // Something else already listens on the first port of the range.
    squatter = createServer();
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(config.brokerPorts.first, '127.0.0.1', resolve));
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
    squatter?.close();
  });

  it('marks the instance FAILED with the node\'s reason instead of waiting', async () => {
    const tenant = await newTenant(stack);
    const created = await tenant.post<{ id: string }>('/v1/instances', { name: 'unlucky', edition: 'basic' });
    const failed = await eventually(async () => {
      const current = await tenant.get<{ status: string; statusReason: string }>(`/v1/instances/${created.body.id}`);
      expect(current.body.status).toBe('FAILED');
      return current.body;
    }, 20_000);
    expect(failed.statusReason).toMatch(/^the broker node could not open the listeners: .*EADDRINUSE/);
  });
});
