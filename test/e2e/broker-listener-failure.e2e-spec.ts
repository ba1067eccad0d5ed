import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { setPolicy } from '../support/auth';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';

interface InstanceStatus {
  status: string;
  statusReason: string | null;
}

function squat(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function release(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('a broker node whose instance ports are taken when it starts', () => {
  let config: MqcConfig;
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let broker: BrokerProcess | undefined;
  let tenant: ApiClient;
  const instances = new Map<'wsTaken' | 'tcpTaken' | 'free', InstanceView>();
  const instance = (name: 'wsTaken' | 'tcpTaken' | 'free'): InstanceView => instances.get(name)!;
  const squatters: Server[] = [];

  const statusOf = async (instance: InstanceView) => (await tenant.get<InstanceStatus>(`/v1/instances/${instance.id}`)).body;

  beforeAll(async () => {
    config = testConfig();
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    broker = await startBrokerProcess(config, db.url);
    worker = await startWorker(config, db.url, 0);
    tenant = await newTenant({ operator: new ApiClient(controlPlane.url, config.operatorToken) });
    for (const name of ['wsTaken', 'tcpTaken', 'free'] as const) {
      instances.set(name, await runningInstance(tenant, name));
      await setPolicy(tenant, instance(name).id, 'allow', 'deny');
    }
    // The node stops; something else takes one instance's WebSocket port and another's TCP port.
    await broker.stop();
    squatters.push(await squat(portOf(instance('wsTaken').endpoints!.ws)), await squat(portOf(instance('tcpTaken').endpoints!.mqtt)));
    broker = await startBrokerProcess(config, db.url);
  });

  afterAll(async () => {
    await Promise.all(squatters.map(release));
    await broker?.stop();
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
  });

  it('stays up and serves the instances whose ports are free', async () => {
    const client = await eventually(() => connectClient(instance('free').endpoints!.mqtt), 20_000, 200);
    await client.endAsync();
    expect(broker!.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${broker!.adminPort}/readyz`)).status).toBe(200);
    expect((await statusOf(instance('free'))).status).toBe('RUNNING');
  });

  it('shows each instance it cannot serve as FAILED with the reason, never RUNNING', async () => {
    for (const taken of [instance('wsTaken'), instance('tcpTaken')]) {
      const failed = await eventually(async () => {
        const current = await statusOf(taken);
        expect(current.status).toBe('FAILED');
        return current;
      }, 20_000, 100);
      expect(failed.statusReason).toMatch(/^the broker node could not open the listeners: .*EADDRINUSE/);
    }
    expect(broker!.child.exitCode).toBeNull();
  });

  it('serves them once their ports are free again: RUNNING, and a client gets in', async () => {
    await Promise.all(squatters.splice(0).map(release));
    for (const taken of [instance('wsTaken'), instance('tcpTaken')]) {
      await eventually(async () => {
        const current = await statusOf(taken);
        expect(current).toEqual(expect.objectContaining({ status: 'RUNNING', statusReason: null }));
      }, 40_000, 200);
    }
    const overWs = await connectClient(instance('wsTaken').endpoints!.ws);
    const overTcp = await connectClient(instance('tcpTaken').endpoints!.mqtt);
    await Promise.all([overWs.endAsync(), overTcp.endAsync()]);
    expect(broker!.output()).toContain('could not serve instance; will retry');
  });

  it("warns at start, once, when MQC_BROKER_PORTS overlaps the kernel's ephemeral port range", async () => {
    const [first, last] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number, number];
    const warning = "MQC_BROKER_PORTS overlaps the kernel's ephemeral port range";
    expect(broker!.output()).not.toContain(warning);
    const overlapping = await startBrokerProcess(
      { ...config, nodeName: `${config.nodeName}-wide`, brokerPorts: { first: config.brokerPorts.first, last: Math.min(65_535, last + 1) } },
      db.url,
      { adminPort: config.brokerPorts.last - 1 },
    );
    await overlapping.stop();
    const lines = overlapping.output().split('\n').filter((line) => line.includes(warning));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, ephemeral: { first, last } });
  });
});
