import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { addAuthenticator, connectFrom, freshSource, untilConnack, V5 } from '../support/auth';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';

/** The broker's RLIMIT_NOFILE: room for its own descriptors, the reserve and some clients. */
const OPEN_FILE_LIMIT = 200;
const RESERVE = 64;

describe('a broker node started with a low open-file limit', () => {
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let broker: BrokerProcess;
  let instance: InstanceView;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    const config = testConfig();
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    await allowWhatNoRuleDecides(db.url);
    broker = await startBrokerProcess(config, db.url, { openFileLimit: OPEN_FILE_LIMIT, env: { MQC_FD_RESERVE: String(RESERVE) } });
    worker = await startWorker(config, db.url, 0);
    const tenant: ApiClient = await newTenant({ operator: new ApiClient(controlPlane.url, config.operatorToken) });
    instance = await runningInstance(tenant, 'crowded', 'professional');
    await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'sensor', password: 'pw' })).status).toBe(201);
    await untilConnack(instance.endpoints!.mqtt, { username: 'sensor', password: 'pw' }, 0);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker?.stop();
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
  });

  it('refuses the CONNECT beyond its budget with 0x97 and a log line, and still answers /healthz and /metrics', async () => {
    const source = freshSource();
    let refusal: number | undefined;
    for (let i = 0; i < OPEN_FILE_LIMIT && refusal === undefined; i++) {
      try {
        clients.push(await connectFrom(instance.endpoints!.mqtt, { source, protocolVersion: 5, clientId: `c-${i}`, username: 'sensor', password: 'pw' }));
      } catch (error) {
        refusal = (error as { code?: number }).code;
      }
    }
    expect(refusal).toBe(V5.quotaExceeded);
    // Every connection held is a descriptor the budget counted; none ran the node out.
    expect(clients.length).toBeGreaterThan(10);
    expect(clients.length).toBeLessThan(OPEN_FILE_LIMIT - RESERVE);

    const admin = `http://127.0.0.1:${broker.adminPort}`;
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    expect(metrics).toMatch(/^mqc_broker_fd_limit\{app="broker"\} 200$/m);
    const headroom = Number(/^mqc_broker_fd_headroom\{app="broker"\} (-?\d+)$/m.exec(metrics)?.[1]);
    expect(headroom).toBeLessThanOrEqual(1);
    expect(metrics).toMatch(/^mqc_broker_connects_refused_fd_total\{app="broker"\} [1-9]\d*$/m);

    const lines = await eventually(async () => {
      const found = broker.output().split('\n').filter((line) => line.includes('CONNECT refused: the node is at its open-file limit'));
      expect(found).toHaveLength(1);
      return found;
    }, 5_000, 100);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, instanceId: instance.id, limit: OPEN_FILE_LIMIT, reserve: RESERVE });

    // The clients already connected keep being served.
    const [first, last] = [clients[0]!, clients[clients.length - 1]!];
    const received = new Promise<string>((resolve) => first.once('message', (_topic, payload) => resolve(payload.toString())));
    await first.subscribeAsync('crowded/t');
    await last.publishAsync('crowded/t', 'still here');
    expect(await received).toBe('still here');
  });
});
