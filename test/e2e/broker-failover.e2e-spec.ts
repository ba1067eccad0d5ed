import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { setPolicy } from '../support/auth';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { BrokerCluster, exchangeMessages, FAIL_OVER_WAIT_MS, nodeRow, placementOf, servedElsewhere as servedElsewhereIn } from '../support/cluster';
import { newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';

async function anonymousInstance(tenant: ApiClient, name: string): Promise<InstanceView> {
  const instance = await runningInstance(tenant, name);
  await setPolicy(tenant, instance.id, 'allow', 'deny');
  return instance;
}

describe.each([2, 3])('%i broker nodes sharing PostgreSQL and Redis', (nodeCount) => {
  let config: MqcConfig;
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let cluster: BrokerCluster;
  let tenant: ApiClient;
  const instances: InstanceView[] = [];

  const servedElsewhere = (instance: InstanceView, notOn: string) => servedElsewhereIn(db.url, tenant, instance, notOn);

  beforeAll(async () => {
    config = testConfig();
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    await allowWhatNoRuleDecides(db.url);
    cluster = new BrokerCluster(config, db.url, nodeCount);
    for (let k = 0; k < nodeCount; k++) await cluster.start(k);
    worker = await startWorker(config, db.url, 0);
    tenant = await newTenant({ operator: new ApiClient(controlPlane.url, config.operatorToken) });
    for (let i = 0; i < nodeCount; i++) instances.push(await anonymousInstance(tenant, `plant-${i}`));
  });

  afterAll(async () => {
    await cluster?.stopAll();
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
  });

  it('places new instances on the least loaded node: one on each', async () => {
    const nodes = await Promise.all(instances.map(async (instance) => (await placementOf(db.url, instance.id)).node));
    expect(new Set(nodes)).toEqual(new Set([...cluster.nodes.keys()]));
  });

  it('serves the instance of a SIGKILLed node from another node, on the same ports: mqtt.js and mosquitto exchange messages there', async () => {
    const instance = instances[0]!;
    const victim = (await placementOf(db.url, instance.id)).node!;
    await cluster.kill(victim);

    const survivor = await servedElsewhere(instance, victim);
    expect(cluster.nodes.has(survivor)).toBe(true);
    await eventually(() => exchangeMessages(portOf(instance.endpoints!.mqtt), 'after-kill'), FAIL_OVER_WAIT_MS, 250);
    // The endpoints did not change: the ports are the deployment's, not the node's.
    expect((await tenant.get<InstanceView>(`/v1/instances/${instance.id}`)).body.endpoints).toEqual(instance.endpoints);
    const nodes = await new ApiClient(controlPlane.url, config.operatorToken).get<{ items: { name: string; status: string }[] }>('/v1/ops/nodes');
    expect(nodes.body.items.map((n) => [n.name, n.status]).sort()).toEqual([...cluster.nodes.keys(), victim].map((name) => [name, name === victim ? 'OFFLINE' : 'ONLINE']).sort());
    const metrics = await (await fetch(`http://127.0.0.1:${worker.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^mqc_worker_instances_failed_over_total(\{[^}]*\})? 1$/m);
  });

  it('drains a node on SIGTERM: its instances are on a live node by the time it exits, and served there', async () => {
    // Two live nodes at least, one to drain and one to take its instances.
    if (cluster.nodes.size < 2) await cluster.start(cluster.missing()!);
    const instance = instances[1]!;
    const draining = (await placementOf(db.url, instance.id)).node!;
    const stopped = await cluster.stop(draining);
    expect(stopped.code).toBe(0);
    // Handed over by the node itself, before it exited (the fail-over job would wait for 6 s of silence).
    const placement = await placementOf(db.url, instance.id);
    expect(placement.node).not.toBe(draining);
    expect(cluster.nodes.has(placement.node!)).toBe(true);
    expect(stopped.output).toContain('instances handed over to live nodes');

    await servedElsewhere(instance, draining);
    await eventually(() => exchangeMessages(portOf(instance.endpoints!.mqtt), 'after-drain'), FAIL_OVER_WAIT_MS, 250);
  });

  it('brings a node back under its name: the same node row, live again, and it takes the next instance', async () => {
    const k = cluster.missing()!;
    const name = cluster.nameOf(k);
    const before = await nodeRow(db.url, name);
    await cluster.start(k);
    const after = await nodeRow(db.url, name);
    expect(after).toMatchObject({ id: before.id, draining: false });
    expect(after.startedAt.getTime()).toBeGreaterThan(before.startedAt.getTime());

    const next = await anonymousInstance(tenant, 'plant-next');
    expect((await placementOf(db.url, next.id)).node).toBe(name);
    // Eventually: the node applies the anonymous policy set just now on its change event.
    await eventually(() => exchangeMessages(portOf(next.endpoints!.mqtt), 'after-restart'), FAIL_OVER_WAIT_MS, 250);
  });

  it('keeps the instances of the last node placed on it when it drains with no live node left, and serves them when it comes back', async () => {
    const live = [...cluster.nodes.keys()];
    const last = live.pop()!;
    for (const name of live) await cluster.stop(name);
    // Every node but `last` is gone or draining; the fail-over job moved their instances to it.
    await eventually(async () => {
      for (const instance of instances) expect(await placementOf(db.url, instance.id)).toMatchObject({ node: last, serving: true });
    }, FAIL_OVER_WAIT_MS, 100);
    const k = cluster.indexOf(last);
    await cluster.stop(last);
    for (const instance of instances) expect(await placementOf(db.url, instance.id)).toMatchObject({ node: last, serving: false });

    await cluster.start(k);
    for (const instance of instances) {
      await eventually(async () => expect(await placementOf(db.url, instance.id)).toMatchObject({ node: last, serving: true }), FAIL_OVER_WAIT_MS, 100);
    }
    await eventually(() => exchangeMessages(portOf(instances[0]!.endpoints!.mqtt), 'after-comeback'), FAIL_OVER_WAIT_MS, 250);
  });
});
