import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowHashGate } from '@mqc/auth';
import { createTestDatabase, testConfig, type ApiClient, type TestDatabase } from '@mqc/testing';
import { addAuthenticator, untilConnack } from '../support/auth';
import { newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { rawConnack } from '../support/raw-mqtt';
import { startStack, type Stack } from '../support/stack';

const FLEET = 1_000;
/** A device per loopback address, as a real fleet (the throttle lets one source check 8 at once). */
const NET = randomInt(1, 255);
const sourceOf = (i: number) => `127.${NET}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

describe('a thousand devices of one user connecting at once, against the broker node', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'fleet', 'professional');
    await addAuthenticator(tenant, instance.id, 'built-in-database', { passwordHash: { name: 'bcrypt', rounds: 10 } });
    for (const userId of ['warm-up', 'fleet']) expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId, password: `${userId}-pw` })).status).toBe(201);
    // The chain is live on the node; the fleet's password has never been verified.
    await untilConnack(instance.endpoints!.mqtt, { username: 'warm-up', password: 'warm-up-pw' }, 0);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('verifies the password with one bcrypt and accepts every CONNECT', async () => {
    const port = portOf(instance.endpoints!.mqtt);
    const before = slowHashGate.started;
    const connacks = await Promise.all(Array.from({ length: FLEET }, (_, i) => rawConnack(port, sourceOf(i), { protocolVersion: 4, clientId: `device-${i}`, username: 'fleet', password: 'fleet-pw' })));
    expect(connacks.filter((c) => c?.returnCode === 0)).toHaveLength(FLEET);
    expect(slowHashGate.started - before).toBe(1);
  });
});
