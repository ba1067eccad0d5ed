import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { setPolicy } from '../support/auth';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { BrokerCluster, FAIL_OVER_WAIT_MS, placementOf, servedElsewhere } from '../support/cluster';
import {
  expectMosquittoSessionResumed,
  expectOfflineSessionResumed,
  expectQueuedDelivered,
  expectRetainedKept,
  expectUnacknowledgedResent,
  mosquittoSessionReceives,
  run,
  seedDurableState,
  type SeededState,
} from '../support/durable-state';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { deleteNatsStreams } from '../support/nats-streams';

interface ClientView {
  clientId: string;
  connected: boolean;
  peerHost: string | null;
  protocolVersion: number | null;
  cleanStart: boolean | null;
  connectedAt: string | null;
  queued: number;
  inflight: number;
}

/**
 * Issue 14, across nodes: two broker processes; the node serving an instance dies (SIGKILL) or
 * drains (SIGTERM), the instance is placed on the other node, and everything acknowledged
 * arrives from there: retained messages with their properties, persistent sessions present
 * with their queued messages in order (QoS 2 once, QoS 1 at least once) and unacknowledged
 * deliveries resent with their packet ids, to mqtt.js, mosquitto and a packet-level client.
 */
describe('durable state served by another broker node after its node died or drained', () => {
  let config: MqcConfig;
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let cluster: BrokerCluster;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;
  let port: number;
  let seeded: SeededState;
  let victim: string;
  let survivor: string;

  beforeAll(async () => {
    config = testConfig();
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    await allowWhatNoRuleDecides(db.url);
    cluster = new BrokerCluster(config, db.url, 2);
    await cluster.start(0);
    await cluster.start(1);
    worker = await startWorker(config, db.url, 0);
    tenant = await newTenant({ operator: new ApiClient(controlPlane.url, config.operatorToken) });
    instance = await runningInstance(tenant, 'durable-failover');
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    url = instance.endpoints!.mqtt;
    port = portOf(url);
    await eventually(async () => (await connectClient(url)).endAsync(), 20_000, 200);

    seeded = await seedDurableState(config, instance.id, url, port);
    victim = (await placementOf(db.url, instance.id)).node!;
    await cluster.kill(victim);
    seeded.online.stream.destroy();
    survivor = await servedElsewhere(db.url, tenant, instance, victim);
    await eventually(async () => (await connectClient(url)).endAsync(), FAIL_OVER_WAIT_MS, 200);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stopAll();
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
    if (config) await deleteNatsStreams(config);
  });

  it('is placed on the other node, the only one alive', () => {
    expect(survivor).not.toBe(victim);
    expect([...cluster.nodes.keys()]).toEqual([survivor]);
  });

  it('lists the sessions restored on the other node with what their last connection was, before their clients come back', async () => {
    const page = await tenant.get<{ items: ClientView[] }>(`/v1/instances/${instance.id}/clients?connected=false`);
    expect(page.status).toBe(200);
    const byId = new Map(page.body.items.map((c) => [c.clientId, c]));
    expect(byId.get('offline-311')).toMatchObject({ connected: false, peerHost: '127.0.0.1', protocolVersion: 4, cleanStart: false, queued: 6 });
    expect(byId.get('mosq-offline')).toMatchObject({ connected: false, peerHost: '127.0.0.1', protocolVersion: 4, cleanStart: false, queued: 3 });
    expect(byId.get('online-5')).toMatchObject({ connected: false, peerHost: '127.0.0.1', protocolVersion: 5, cleanStart: false, inflight: 2 });
    for (const client of byId.values()) expect(client.connectedAt).not.toBeNull();
  });

  it('keeps the retained message with its properties', () => expectRetainedKept(url));

  it('resumes the offline 3.1.1 session (mqtt.js): session present, its queued messages in order, QoS 2 once', () => expectOfflineSessionResumed(url));

  it('resumes the offline session of mosquitto_sub with its QoS 2 messages, in order, once', () => expectMosquittoSessionResumed(port, 'mosq-offline', 'mosq/#', ['s1', 's2', 's3']));

  it('resends the unacknowledged deliveries of the online session, with DUP and their packet ids', () => expectUnacknowledgedResent(port, seeded.onlineSent));

  /**
   * Two live nodes; persistent sessions on topic `${prefix}/#` (offline: mqtt.js 3.1.1 and
   * mosquitto_sub; online: mqtt.js 5 reconnecting by itself) while a publisher sends QoS 1 and 2
   * alternately; `interrupt` ends the serving node while it is acknowledged. Every message
   * acknowledged reaches every session from the other node: in publish order, QoS 2 once.
   */
  async function acknowledgedSurvive(prefix: string, interrupt: (node: string) => Promise<void>): Promise<void> {
    const missing = cluster.missing();
    if (missing !== undefined) await cluster.start(missing);
    const serving = (await placementOf(db.url, instance.id)).node!;

    const offline = await connectClient(url, { clientId: `${prefix}-311`, clean: false, protocolVersion: 4 });
    await offline.subscribeAsync(`${prefix}/#`, { qos: 2 });
    await offline.endAsync();
    await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-i', `mosq-${prefix}`, '-c', '-q', '2', '-t', `${prefix}/#`, '-E']);

    const online = mqtt.connect(url, { clientId: `${prefix}-online`, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 }, reconnectPeriod: 200 });
    const onlineReceived: string[] = [];
    const onlineOnTheWire: string[] = [];
    const connacks: boolean[] = [];
    // The broker's send order; mqtt.js hands a QoS 2 message to the application at PUBREL, a round trip later than QoS 1.
    online.on('packetreceive', (packet) => {
      if (packet.cmd === 'publish') onlineOnTheWire.push(packet.payload.toString());
    });
    online.on('connect', (packet) => connacks.push(packet.sessionPresent));
    online.on('message', (_topic, payload) => onlineReceived.push(payload.toString()));
    await new Promise<void>((resolve) => online.once('connect', () => resolve()));
    await online.subscribeAsync(`${prefix}/#`, { qos: 2 });

    // The publisher sends until the node goes away; a message counts once its PUBACK (QoS 1) or PUBCOMP (QoS 2) came.
    const publisher = await connectClient(url, { clientId: `${prefix}-publisher`, protocolVersion: 5 });
    const closed = new Promise<void>((resolve) => publisher.once('close', () => resolve()));
    let isClosed = false;
    void closed.then(() => (isClosed = true));
    const acknowledged: { payload: string; qos: 1 | 2 }[] = [];
    const publishing = (async () => {
      for (let i = 1; !isClosed; i++) {
        const qos = i % 2 === 0 ? 2 : 1;
        const payload = `${prefix}${i}`;
        const acked = await Promise.race([publisher.publishAsync(`${prefix}/${payload}`, payload, { qos }).then(() => true, () => false), closed.then(() => false)]);
        if (acked) acknowledged.push({ payload, qos });
      }
    })();
    await eventually(() => expect(acknowledged.length).toBeGreaterThanOrEqual(50), 20_000, 20);

    await interrupt(serving);
    await publishing;
    publisher.end(true);
    await servedElsewhere(db.url, tenant, instance, serving);

    const expected = acknowledged.map((m) => m.payload);
    const qos2 = acknowledged.filter((m) => m.qos === 2).map((m) => m.payload);
    await expectQueuedDelivered(url, `${prefix}-311`, expected, qos2);

    // mosquitto_sub: every message printed, QoS 2 once, and the PUBLISH packets came in publish order.
    const mosquitto = await mosquittoSessionReceives(port, `mosq-${prefix}`, `${prefix}/#`, expected);
    expect([...new Set(mosquitto.publishedTopics)].slice(0, expected.length)).toEqual(expected.map((p) => `${prefix}/${p}`));
    for (const payload of qos2) expect(mosquitto.printed.filter((p) => p === payload)).toHaveLength(1);

    await eventually(() => expect(expected.filter((p) => !onlineReceived.includes(p))).toEqual([]), FAIL_OVER_WAIT_MS, 100);
    expect(connacks.length).toBeGreaterThanOrEqual(2);
    expect(connacks.slice(1).every((present) => present)).toBe(true);
    expect([...new Set(onlineOnTheWire)].slice(0, expected.length)).toEqual(expected);
    for (const payload of qos2) expect(onlineReceived.filter((p) => p === payload)).toHaveLength(1);
    await online.endAsync();
  }

  it('drains a node on SIGTERM while a publisher is acknowledged: every acknowledged message reaches the sessions on the next node, in order, QoS 2 once', () =>
    acknowledgedSurvive('drain', async (node) => {
      const stopped = await cluster.stop(node);
      expect(stopped.code).toBe(0);
      // Handed over by the draining node itself, before it exited.
      expect((await placementOf(db.url, instance.id)).node).not.toBe(node);
    }), 120_000);

  it('kills a node (SIGKILL) while a publisher is acknowledged: every acknowledged message reaches the sessions on the next node, in order, QoS 2 once', () =>
    acknowledgedSurvive('kill', (node) => cluster.kill(node)), 120_000);
});
