import { execFile, spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import type { IPublishPacket } from 'mqtt-packet';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { expect } from 'vitest';
import { eventually } from '@mqc/testing';
import type { MqcConfig } from '@mqc/config';
import { PacketClient } from '../../apps/broker/src/protocol/testing/packet-client';
import { decodeSession, subjectToken } from '../../apps/broker/src/persistence/record-codec';
import { StreamNames } from '../../apps/broker/src/persistence/stream-names';
import { connectClient } from './instances';

/**
 * Issue 14: the durable state a broker node holds for an instance (a retained message, offline
 * persistent sessions with queued QoS 1 and 2 messages, an online one with unacknowledged
 * deliveries), written through a node, and the checks that another node (or the same one,
 * restarted) serves all of it: mqtt.js, mosquitto and a packet-level client.
 */

export const run = promisify(execFile);

/** How many records JetStream holds for one instance in one of the deployment's streams. */
export async function storedRecords(config: MqcConfig, instanceId: string, kind: 'session' | 'retained' | 'queue'): Promise<number> {
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
export async function storedSession(config: MqcConfig, instanceId: string, clientId: string) {
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

/** A packet-level MQTT 5 client over TCP: it acknowledges only what the test tells it to. */
export async function rawClient(port: number, clientId: string): Promise<{ client: PacketClient; sessionPresent: boolean }> {
  const socket = netConnect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client = new PacketClient(socket, 5);
  const connack = await client.connect({ clientId, clean: false, properties: { sessionExpiryInterval: 3600 } });
  expect(connack.reasonCode).toBe(0);
  return { client, sessionPresent: connack.sessionPresent };
}

/** What `seedDurableState` left on the node: the online session's client and the deliveries it holds unacknowledged. */
export interface SeededState {
  online: PacketClient;
  onlineSent: IPublishPacket[];
}

/**
 * Writes, through the node serving the instance at `url`: a retained message with properties;
 * an offline 3.1.1 persistent session (mqtt.js, `offline-311`) with 6 queued messages, QoS 1 and 2
 * alternately; an offline persistent session of mosquitto_sub (`mosq-offline`) with 3 QoS 2
 * messages sent by mosquitto_pub; an online MQTT 5 persistent session (`online-5`) holding a QoS 1
 * and a QoS 2 delivery it has not acknowledged. Resolves once their packet ids are stored too.
 */
export async function seedDurableState(config: MqcConfig, instanceId: string, url: string, port: number): Promise<SeededState> {
  const publisher = await connectClient(url, { clientId: 'publisher', protocolVersion: 5 });
  await publisher.publishAsync('plant/status', 'retained-1', { qos: 1, retain: true, properties: { contentType: 'text/plain' } });

  const offline = await connectClient(url, { clientId: 'offline-311', clean: false, protocolVersion: 4 });
  await offline.subscribeAsync('offline/#', { qos: 2 });
  await offline.endAsync();
  for (let i = 1; i <= 6; i++) await publisher.publishAsync(`offline/${i % 2 === 0 ? 'two' : 'one'}`, `o${i}`, { qos: i % 2 === 0 ? 2 : 1 });

  await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-i', 'mosq-offline', '-c', '-q', '2', '-t', 'mosq/#', '-E']);
  for (const payload of ['s1', 's2', 's3']) await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '2', '-t', 'mosq/x', '-m', payload]);

  const { client: online } = await rawClient(port, 'online-5');
  await online.subscribe([{ topic: 'online/#', qos: 2 }]);
  await publisher.publishAsync('online/a', 'u1', { qos: 1 });
  await publisher.publishAsync('online/b', 'u2', { qos: 2 });
  const onlineSent = [await online.expect('publish'), await online.expect('publish')];
  await publisher.endAsync();
  // Their packet ids are written behind the sends (one event-loop turn later): a crash must come after.
  await eventually(async () => expect((await storedSession(config, instanceId, 'online-5'))?.inflight).toHaveLength(2), 10_000, 50);
  return { online, onlineSent };
}

/** The retained message comes with its properties (mqtt.js, MQTT 5). */
export async function expectRetainedKept(url: string): Promise<void> {
  const client = await connectClient(url, { protocolVersion: 5 });
  const received = new Promise<{ payload: string; retain: boolean; contentType?: string }>((resolve) =>
    client.once('message', (_topic, payload, packet) => resolve({ payload: payload.toString(), retain: packet.retain, contentType: packet.properties?.contentType })),
  );
  await client.subscribeAsync('plant/#', { qos: 1 });
  expect(await received).toEqual({ payload: 'retained-1', retain: true, contentType: 'text/plain' });
  await client.endAsync();
}

/**
 * Connects mqtt.js as `clientId` (3.1.1, clean 0): session present, and `expected` sent in that
 * order, each QoS 2 one (`qos2`) handed to the application exactly once, every one at least once.
 */
export async function expectQueuedDelivered(url: string, clientId: string, expected: readonly string[], qos2: readonly string[]): Promise<void> {
  const onTheWire: string[] = [];
  const delivered: string[] = [];
  const client = mqtt.connect(url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0, manualConnect: true });
  // The broker's send order; mqtt.js hands a QoS 2 message to the application at PUBREL, a round trip later than QoS 1.
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'publish') onTheWire.push(packet.payload.toString());
  });
  const all = new Promise<void>((resolve) =>
    client.on('message', (_topic, payload) => {
      delivered.push(payload.toString());
      if (expected.every((p) => delivered.includes(p))) resolve();
    }),
  );
  const connack = new Promise<boolean>((resolve) => client.once('connect', (packet) => resolve(packet.sessionPresent)));
  client.connect();
  expect(await connack).toBe(true);
  await all;
  await new Promise((resolve) => setTimeout(resolve, 300));
  // Sent in publish order (a message stored but never acknowledged to its publisher may follow).
  expect([...new Set(onTheWire)].slice(0, expected.length)).toEqual(expected);
  for (const payload of qos2) expect(delivered.filter((p) => p === payload)).toHaveLength(1);
  await client.endAsync();
}

/** The offline 3.1.1 session of `seedDurableState`. */
export function expectOfflineSessionResumed(url: string): Promise<void> {
  return expectQueuedDelivered(url, 'offline-311', ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'], ['o2', 'o4', 'o6']);
}

/** mosquitto_sub resumes its session `clientId` (clean 0, QoS 2) and prints `expected`, in order, once. */
export async function expectMosquittoSessionResumed(port: number, clientId: string, topic: string, expected: readonly string[]): Promise<void> {
  const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-i', clientId, '-c', '-q', '2', '-t', topic, '-C', String(expected.length), '-W', '20']);
  expect(stdout.trim().split('\n')).toEqual(expected);
}

/**
 * Runs mosquitto_sub (clean 0, QoS 2, debug output) as `clientId` until it has printed every
 * payload of `expected` and 300 ms more have passed: what it printed (libmosquitto hands a QoS 2
 * message over at PUBREL, a round trip after a QoS 1 one) and the topics of the PUBLISH packets
 * it received, in the order they came.
 */
export async function mosquittoSessionReceives(port: number, clientId: string, topic: string, expected: readonly string[]): Promise<{ printed: string[]; publishedTopics: string[] }> {
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', '127.0.0.1', '-p', String(port), '-i', clientId, '-c', '-q', '2', '-t', topic, '-d']);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const lines = () => stdout.split('\n').filter((line) => line !== '');
  const printed = () => lines().filter((line) => !line.startsWith('Client '));
  try {
    await eventually(() => expect(expected.filter((p) => !printed().includes(p))).toEqual([]), 20_000, 50);
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
  }
  return { printed: printed(), publishedTopics: lines().flatMap((line) => /received PUBLISH \(d\d, q\d, r\d, m\d+, '([^']*)'/.exec(line)?.[1] ?? []) };
}

/** The online session of `seedDurableState` comes back present, its unacknowledged deliveries resent with DUP and their packet ids, each once. */
export async function expectUnacknowledgedResent(port: number, onlineSent: readonly IPublishPacket[]): Promise<void> {
  const { client, sessionPresent } = await rawClient(port, 'online-5');
  expect(sessionPresent).toBe(true);
  const again = [await client.expect('publish'), await client.expect('publish')];
  expect(again.map((p) => [p.payload.toString(), p.qos, p.dup, p.messageId])).toEqual(onlineSent.map((p) => [p.payload.toString(), p.qos, true, p.messageId]));
  client.send({ cmd: 'puback', messageId: again[0]!.messageId });
  client.send({ cmd: 'pubrec', messageId: again[1]!.messageId });
  expect((await client.expect('pubrel')).messageId).toBe(again[1]!.messageId);
  client.send({ cmd: 'pubcomp', messageId: again[1]!.messageId });
  expect(await client.nothingReceived(50)).toBe(true);
  client.send({ cmd: 'disconnect' });
}
