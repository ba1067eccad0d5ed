import { execFile } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { PacketClient } from '../../apps/broker/src/protocol/testing/packet-client';
import { setPolicy } from '../support/auth';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { startBrokerProcess, type BrokerProcess } from '../support/broker-process';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { deleteNatsStreams } from '../support/nats-streams';
import { decodeSession, subjectToken } from '../../apps/broker/src/persistence/record-codec';
import { StreamNames } from '../../apps/broker/src/persistence/stream-names';

/** How many records JetStream holds for one instance in one of the deployment's streams. */
async function storedRecords(config: MqcConfig, instanceId: string, kind: 'session' | 'retained' | 'queue'): Promise<number> {
  const nc = await natsConnect({ servers: config.natsUrl });
  try {
    const names = new StreamNames(config.redisPrefix);
    const jsm = await jetstreamManager(nc);
    const stream = { session: names.sessions, retained: names.retained, queue: names.queue }[kind];
    const info = await jsm.streams.info(stream, { subjects_filter: names.ofInstance(kind, instanceId) });
    return Object.values(info.state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  } finally {
    await nc.close();
  }
}

/** The stored record of a session (what a restarted node will read), as JetStream holds it now. */
async function storedSession(config: MqcConfig, instanceId: string, clientId: string) {
  const nc = await natsConnect({ servers: config.natsUrl });
  try {
    const names = new StreamNames(config.redisPrefix);
    const jsm = await jetstreamManager(nc);
    const message = await jsm.streams.getMessage(names.sessions, { last_by_subj: names.session(instanceId, subjectToken(clientId)) });
    return message === null ? undefined : decodeSession(message.data);
  } finally {
    await nc.close();
  }
}

const run = promisify(execFile);

/** A packet-level MQTT 5 client over TCP: it acknowledges only what the test tells it to. */
async function rawClient(port: number, clientId: string): Promise<{ client: PacketClient; sessionPresent: boolean }> {
  const socket = netConnect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client = new PacketClient(socket, 5);
  const connack = await client.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 3600 } });
  expect(connack.reasonCode).toBe(0);
  return { client, sessionPresent: connack.sessionPresent };
}

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
  let online: PacketClient;
  let onlineSent: IPublishPacket[];

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

    // A retained message.
    const publisher = await connectClient(url, { clientId: 'publisher', protocolVersion: 5 });
    await publisher.publishAsync('plant/status', 'retained-1', { qos: 1, retain: true, properties: { contentType: 'text/plain' } });

    // An offline 3.1.1 persistent session (mqtt.js) with queued QoS 1 and QoS 2 messages.
    const offline = await connectClient(url, { clientId: 'offline-311', clean: false, protocolVersion: 4 });
    await offline.subscribeAsync('offline/#', { qos: 2 });
    await offline.endAsync();
    for (let i = 1; i <= 6; i++) await publisher.publishAsync(`offline/${i % 2 === 0 ? 'two' : 'one'}`, `o${i}`, { qos: i % 2 === 0 ? 2 : 1 });

    // An offline persistent session of mosquitto's client, its QoS 2 messages sent by mosquitto_pub.
    await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-i', 'mosq-offline', '-c', '-q', '2', '-t', 'mosq/#', '-E']);
    for (const payload of ['s1', 's2', 's3']) await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '2', '-t', 'mosq/x', '-m', payload]);

    // An online MQTT 5 persistent session holding deliveries it has not acknowledged.
    ({ client: online } = await rawClient(port, 'online-5'));
    await online.subscribe([{ topic: 'online/#', qos: 2 }]);
    await publisher.publishAsync('online/a', 'u1', { qos: 1 });
    await publisher.publishAsync('online/b', 'u2', { qos: 2 });
    onlineSent = [await online.expect('publish'), await online.expect('publish')];
    await publisher.endAsync();
    // Their packet ids are written behind the sends (one event-loop turn later): the kill comes after.
    await eventually(async () => expect((await storedSession(config, instance.id, 'online-5'))?.inflight).toHaveLength(2), 10_000, 50);

    broker.child.kill('SIGKILL');
    await broker.exited;
    online.stream.destroy();
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

  it('keeps the retained message with its properties', async () => {
    const client = await connectClient(instance.endpoints!.mqtt, { protocolVersion: 5 });
    const received = new Promise<{ payload: string; retain: boolean; contentType?: string }>((resolve) =>
      client.once('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), retain: packet.retain, contentType: packet.properties?.contentType })),
    );
    await client.subscribeAsync('plant/#', { qos: 1 });
    expect(await received).toEqual({ payload: 'retained-1', retain: true, contentType: 'text/plain' });
    await client.endAsync();
  });

  it('resumes the offline 3.1.1 session (mqtt.js): session present, its queued messages in order, QoS 2 once', async () => {
    const onTheWire: string[] = [];
    const delivered: string[] = [];
    const client = mqtt.connect(instance.endpoints!.mqtt, { clientId: 'offline-311', clean: false, protocolVersion: 4, reconnectPeriod: 0, manualConnect: true });
    // The broker's send order; mqtt.js hands a QoS 2 message to the application at PUBREL, a round trip later than QoS 1.
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'publish') onTheWire.push(packet.payload.toString());
    });
    const all = new Promise<void>((resolve) =>
      client.on('message', (_topic, payload) => {
        delivered.push(payload.toString());
        if (new Set(delivered).size === 6) resolve();
      }),
    );
    const connack = new Promise<boolean>((resolve) => client.once('connect', (packet) => resolve(packet.sessionPresent)));
    client.connect();
    expect(await connack).toBe(true);
    await all;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Sent in publish order; QoS 1 at least once, QoS 2 (the even ones) exactly once.
    expect([...new Set(onTheWire)]).toEqual(['o1', 'o2', 'o3', 'o4', 'o5', 'o6']);
    expect(new Set(delivered).size).toBe(6);
    for (const qos2 of ['o2', 'o4', 'o6']) expect(delivered.filter((p) => p === qos2)).toHaveLength(1);
    await client.endAsync();
  });

  it('resumes the offline session of mosquitto_sub with its QoS 2 messages, in order, once', async () => {
    const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-i', 'mosq-offline', '-c', '-q', '2', '-t', 'mosq/#', '-C', '3', '-W', '20']);
    expect(stdout.trim().split('\n')).toEqual(['s1', 's2', 's3']);
  });

  it('resends the unacknowledged deliveries of the online session, with DUP and their packet ids', async () => {
    const { client, sessionPresent } = await rawClient(port, 'online-5');
    expect(sessionPresent).toBe(true);
    const again = [await client.expect('publish'), await client.expect('publish')];
    expect(again.map((p) => [p.payload.toString(), p.qos, p.dup, p.messageId])).toEqual(onlineSent.map((p) => [p.payload.toString(), p.qos, true, p.messageId]));
    client.send({ cmd: 'puback', messageId: again[0].messageId });
    client.send({ cmd: 'pubrec', messageId: again[1].messageId });
    expect((await client.expect('pubrel')).messageId).toBe(again[1].messageId);
    client.send({ cmd: 'pubcomp', messageId: again[1].messageId });
    expect(await client.nothingReceived(50)).toBe(true);
    client.send({ cmd: 'disconnect' });
  });

  it('forgets what it stored for an instance once the instance is deleted', async () => {
    expect(await storedRecords(config, instance.id, 'retained')).toBeGreaterThan(0);
    expect(await storedRecords(config, instance.id, 'session')).toBeGreaterThan(0);
    expect((await tenant.delete(`/v1/instances/${instance.id}`)).status).toBe(202);
    await eventually(async () => {
      for (const kind of ['session', 'retained', 'queue'] as const) expect(await storedRecords(config, instance.id, kind)).toBe(0);
    }, 30_000, 200);
  });
});
