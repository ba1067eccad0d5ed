import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { setPolicy } from '../support/auth';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process';
import {
  expectMosquittoSessionResumed,
  expectOfflineSessionResumed,
  expectRetainedKept,
  expectUnacknowledgedResent,
  seedDurableState,
  storedRecords,
  type SeededState,
} from '../support/durable-state';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { deleteNatsStreams } from '../support/nats-streams';

/**
 * Issue 14: a broker node SIGKILLed and started again under its name (MQC_NODE_NAME) serves
 * its instance from what JetStream kept: nothing it acknowledged is lost.
 */
describe('a broker node killed (SIGKILL) and restarted under its own name', () => {
  let config: MqcConfig;
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let broker: BrokerProcess | undefined;
  let instance: InstanceView;
  let tenant: ApiClient;
  let port: number;
  let seeded: SeededState;

  beforeAll(async () => {
    config = testConfig();
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    await allowWhatNoRuleDecides(db.url);
    broker = await startBrokerProcess(config, db.url);
    worker = await startWorker(config, db.url, 0);
    tenant = await newTenant({ operator: new ApiClient(controlPlane.url, config.operatorToken) });
    instance = await runningInstance(tenant, 'durable');
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    const url = instance.endpoints!.mqtt;
    port = portOf(url);
    await eventually(async () => (await connectClient(url)).endAsync(), 20_000, 200);

    seeded = await seedDurableState(config, instance.id, url, port);

    broker.child.kill('SIGKILL');
    await broker.exited;
    seeded.online.stream.destroy();
    broker = await startBrokerProcess(config, db.url);
    await eventually(async () => (await connectClient(url)).endAsync(), 30_000, 200);
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
    if (config) await deleteNatsStreams(config);
  });

  it('keeps the retained message with its properties', () => expectRetainedKept(instance.endpoints!.mqtt));

  it('resumes the offline 3.1.1 session (mqtt.js): session present, its queued messages in order, QoS 2 once', () => expectOfflineSessionResumed(instance.endpoints!.mqtt));

  it('resumes the offline session of mosquitto_sub with its QoS 2 messages, in order, once', () => expectMosquittoSessionResumed(port, 'mosq-offline', 'mosq/#', ['s1', 's2', 's3']));

  it('resends the unacknowledged deliveries of the online session, with DUP and their packet ids', () => expectUnacknowledgedResent(port, seeded.onlineSent));

  it('forgets what it stored for an instance once the instance is deleted', async () => {
    expect(await storedRecords(config, instance.id, 'retained')).toBeGreaterThan(0);
    expect(await storedRecords(config, instance.id, 'session')).toBeGreaterThan(0);
    expect((await tenant.delete(`/v1/instances/${instance.id}`)).status).toBe(202);
    await eventually(async () => {
      for (const kind of ['session', 'retained', 'queue'] as const) expect(await storedRecords(config, instance.id, kind)).toBe(0);
    }, 30_000, 200);
  });
});
