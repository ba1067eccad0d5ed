import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { addAuthenticator, freshSource, untilConnack, V5 } from '../support/auth';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process';
import { newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { rawConnack } from '../support/raw-mqtt';

const BURST = 1_000;
const RIGHT_AT = 120;
/** The throttle's limit: failures a source may make in a burst. */
const MAX_FAILURES = 10;

interface AuthenticatorMetrics {
  total: number;
  reportedAt: string | null;
}

describe('a parallel burst of CONNECTs with wrong passwords from one source, against a real broker process', () => {
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let broker: BrokerProcess;
  let tenant: ApiClient;
  let instance: InstanceView;
  let authenticatorId: string;

  const metrics = async () => {
    const view = await tenant.get<{ metrics: AuthenticatorMetrics }>(`/v1/instances/${instance.id}/authenticators/${authenticatorId}`);
    return view.body.metrics;
  };

  beforeAll(async () => {
    const config = testConfig();
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    broker = await startBrokerProcess(config, db.url);
    worker = await startWorker(config, db.url, 0);
    tenant = await newTenant({ operator: new ApiClient(controlPlane.url, config.operatorToken) });
    instance = await runningInstance(tenant, 'guarded');
    // bcrypt: each check takes long enough for the whole burst to arrive while the first run.
    authenticatorId = await addAuthenticator(tenant, instance.id, 'built-in-database', { passwordHash: { name: 'bcrypt', rounds: 10 } });
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'sensor-1', password: 's3cret!' })).status).toBe(201);
    await untilConnack(instance.endpoints!.mqtt, { source: freshSource(), username: 'sensor-1', password: 's3cret!' }, 0);
  });

  afterAll(async () => {
    await broker?.stop();
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
  });

  it(`has at most ${MAX_FAILURES} passwords checked, and refuses the right one at position ${RIGHT_AT} with 0x9F and the retry time`, async () => {
    const before = await eventually(async () => {
      const current = await metrics();
      expect(current.reportedAt).not.toBeNull();
      return current;
    }, 10_000, 200);
    const source = freshSource();
    const port = portOf(instance.endpoints!.mqtt);
    const connacks = await Promise.all(
      Array.from({ length: BURST }, (_, i) => rawConnack(port, source, { protocolVersion: 5, clientId: `burst-${i}`, username: 'sensor-1', password: i === RIGHT_AT ? 's3cret!' : `guess-${i}` })),
    );
    const burstEnded = Date.now();

    expect(connacks.filter((c) => c?.reasonCode === 0)).toHaveLength(0);
    const right = connacks[RIGHT_AT];
    expect(right?.reasonCode).toBe(V5.connectionRateExceeded);
    expect(right?.properties?.reasonString).toMatch(/retry in \d+ s/);
    const refused = connacks.filter((c) => c?.reasonCode === V5.connectionRateExceeded).length;
    const checked = connacks.filter((c) => c?.reasonCode === V5.badUsernameOrPassword).length;
    expect(checked).toBeLessThanOrEqual(MAX_FAILURES);
    expect(checked + refused).toBe(BURST);

    // The authenticator's own count of the passwords it checked, reported by the node.
    const after = await eventually(async () => {
      const current = await metrics();
      expect(new Date(current.reportedAt!).getTime()).toBeGreaterThan(burstEnded);
      return current;
    }, 15_000, 200);
    expect(after.total - before.total).toBeLessThanOrEqual(MAX_FAILURES);
    expect(after.total - before.total).toBe(checked);

    // Another source is not affected; the log names instance, source and client id once.
    await untilConnack(instance.endpoints!.mqtt, { source: freshSource(), username: 'sensor-1', password: 's3cret!' }, 0);
    const lines = broker.output().split('\n').filter((line) => line.includes('CONNECT throttled'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(BURST / 10);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, instanceId: instance.id, source });
    expect(JSON.parse(lines[0]!).clientId).toMatch(/^burst-\d+$/);
  });
});
