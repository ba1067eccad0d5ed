import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, testConfig, type ApiClient, type TestDatabase } from '@mqc/testing';
import { addAuthenticator, freshSource, V5 } from '../support/auth';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { rawConnack, type RawTls } from '../support/raw-mqtt';
import { startStack, type Stack } from '../support/stack';

const DOMAIN = 'mqtt.test';
/** The throttle's limit: refusals of a source's credentials in a burst (README, "Failed-CONNECT throttling"). */
const MAX_FAILURES = 10;

describe("the failed-CONNECT throttle on a node's shared TLS endpoint (issue 16)", () => {
  const base = testConfig();
  const config = testConfig({ brokerPorts: base.brokerPorts, sharedTlsPort: base.brokerPorts.last, publicDomain: DOMAIN });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let tls: RawTls;

  const connectShared = (source: string, password: string, clientId = 'sensor-1') =>
    rawConnack(config.sharedTlsPort!, source, { protocolVersion: 5, clientId, username: 'sensor-1', password }, tls);

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    // Basic: served on the shared endpoint only, so every CONNECT here goes through the shared port.
    instance = await runningInstance(tenant, 'guarded', 'basic');
    expect(instance.endpoints).toEqual({ mqttsShared: expect.any(String), wssShared: expect.any(String) });
    await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'sensor-1', password: 's3cret!' })).status).toBe(201);
    tls = { servername: `${instance.id}.${DOMAIN}`, ca: (await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`)).body };
    await eventually(async () => expect((await connectShared(freshSource(), 's3cret!'))?.reasonCode).toBe(0), 10_000);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it(`refuses a source with 0x9F and the retry time after ${MAX_FAILURES} wrong passwords through the shared port, the right one included; another source connects`, async () => {
    const source = freshSource();
    for (let i = 0; i < MAX_FAILURES; i++) expect((await connectShared(source, `guess-${i}`, `guess-${i}`))?.reasonCode, `attempt ${i}`).toBe(V5.badUsernameOrPassword);
    const blocked = await connectShared(source, 's3cret!');
    expect(blocked?.reasonCode).toBe(V5.connectionRateExceeded);
    expect(blocked?.properties?.reasonString).toMatch(/too many failed CONNECTs from this address; retry in \d+ s/);
    // The throttle counts per source: another address with the right password is let in.
    expect((await connectShared(freshSource(), 's3cret!'))?.reasonCode).toBe(0);
  });
});
