import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITIONS } from '@mqc/editions';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { allowWhatNoRuleDecides } from '../support/authorization';
import { HEAP_PROBE_MESSAGE } from '../fuzz/heap-probe';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { connectClient, runningInstance, type InstanceView } from '../support/instances';
import { deleteNatsStreams } from '../support/nats-streams';

const root = resolve(__dirname, '..', '..');
const brokerMain = join(root, 'dist', 'apps', 'broker', 'src', 'main.js');
/** Preloaded into the broker: on SIGUSR2 it collects garbage and prints a line (no broker code). */
const heapProbe = join(root, 'dist', 'test', 'fuzz', 'heap-probe.js');
const basic = EDITIONS.basic;
const MiB = 1024 * 1024;
/**
 * What a broker's resident memory may grow by beyond what the quotas admit: the Buffers of
 * refused packets stay allocated until V8's next garbage collection, which external memory
 * triggers only after 64 MiB more of it; then code and socket buffers.
 */
const MARGIN = 80 * MiB;
/** The heaviest a subscription was measured at (200,000 took 333 MB). */
const BYTES_PER_SUBSCRIPTION = 2048;
/** 200 KiB retained messages: 1 GB of them. */
const FLOOD = 5_000;
/** Generous for an offline session with one subscription and its bookkeeping. */
const BYTES_PER_SESSION = 16 * 1024;

function freePort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** Resident memory of a process, from the kernel (VmRSS). */
function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for ${pid}`);
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

/**
 * Publishes QoS 1 messages in rounds the instance's rate quota admits (its bucket holds one
 * second of messages; a pause refills it); returns the PUBACK reason codes, 0 for success.
 */
async function publishInRounds(client: MqttClient, messages: { topic: string; payload: Buffer }[], retain: boolean): Promise<number[]> {
  const perRound = Math.floor(basic.quotas.messagesPerSecond * 0.9);
  const codes: number[] = [];
  for (let start = 0; start < messages.length; start += perRound) {
    await sleep(1_000);
    const round = messages.slice(start, start + perRound).map(({ topic, payload }) =>
      client.publishAsync(topic, payload, { qos: 1, retain }).then(
        () => 0,
        (error: { code?: number }) => error.code ?? -1,
      ),
    );
    codes.push(...(await Promise.all(round)));
  }
  return codes;
}

function publishRetained(client: MqttClient, messages: { topic: string; payload: Buffer }[]): Promise<number[]> {
  return publishInRounds(client, messages, true);
}

/** The CONNACK code of a CONNECT (0: accepted, then the client disconnects). */
function connackCode(url: string, options: IClientOptions): Promise<number> {
  return connectClient(url, options).then(
    async (connected) => {
      await connected.endAsync();
      return 0;
    },
    (error: { code?: number }) => error.code ?? -1,
  );
}

/** One instance counter of the broker's /metrics. */
async function metric(adminPort: number, name: string, instanceId: string, label: string): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const found = new RegExp(`${name}\\{[^}]*instance="${instanceId}"[^}]*"${label}"[^}]*\\} (\\d+)`).exec(metrics);
  return Number(found?.[1]);
}

/** SUBSCRIBE and the SUBACK's reason codes (mqtt.js rejects a SUBACK with any failure, yet hands over the packet). */
function subscribeCodes(client: MqttClient, topics: string[], qos: 0 | 1): Promise<number[]> {
  return new Promise((resolveCodes, reject) =>
    client.subscribe(topics, { qos }, (error, _granted, packet) => {
      const codes = (packet as { granted?: number[] } | undefined)?.granted;
      if (codes) resolveCodes(codes);
      else reject(error ?? new Error('no SUBACK'));
    }),
  );
}

function tally(codes: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/**
 * One tenant's floods against a broker node in its own process (built, as in production): a
 * retained flood, a subscription flood and a flood of persistent sessions with messages queued
 * for them are refused at the basic edition's quotas, and the node's resident memory grows by
 * no more than what the quotas admit plus a margin.
 */
describe('a basic instance under a retained flood, a subscription flood and a session flood', () => {
  const config = testConfig();
  let db: TestDatabase;
  let controlPlane: ControlPlane;
  let worker: WorkerApp;
  let broker: ChildProcess;
  let brokerOutput = '';

  /**
   * The broker's resident memory once refused and dropped messages are collected: the heap probe
   * runs a full garbage collection first, so what is measured is what the broker still holds,
   * not garbage V8 has not got round to yet.
   */
  async function settledResidentBytes(pid: number): Promise<number> {
    const probes = () => brokerOutput.split(HEAP_PROBE_MESSAGE).length;
    const seen = probes();
    process.kill(pid, 'SIGUSR2');
    await eventually(async () => expect(probes()).toBeGreaterThan(seen), 10_000);
    return residentBytes(pid);
  }

  let adminPort: number;
  let instance: InstanceView;
  /** A second instance of the tenant, for the session flood (the first one's quotas are spent by then). */
  let fleet: InstanceView;
  const clients: MqttClient[] = [];

  async function client(clientId: string): Promise<MqttClient> {
    const connected = await connectClient(instance.endpoints!.mqtt, { clientId, protocolVersion: 5 });
    clients.push(connected);
    return connected;
  }

  beforeAll(async () => {
    expect(existsSync(brokerMain), 'npm test builds before it runs the tests').toBe(true);
    db = await createTestDatabase();
    controlPlane = await startControlPlane(config, db.url, 0);
    await allowWhatNoRuleDecides(db.url);
    worker = await startWorker(config, db.url, 0);
    adminPort = await freePort();
    broker = spawn(process.execPath, ['--expose-gc', '-r', heapProbe, '-r', 'tsconfig-paths/register', brokerMain], {
      cwd: root,
      env: {
        ...process.env,
        TS_NODE_BASEURL: join(root, 'dist'),
        DATABASE_URL: db.url,
        REDIS_URL: config.redisUrl,
        MQC_REDIS_PREFIX: config.redisPrefix,
        MQC_MASTER_KEY: config.masterKey.toString('hex'),
        MQC_OPERATOR_TOKEN: config.operatorToken,
        MQC_DATA_DIR: config.dataDir,
        MQC_BROKER_ADMIN_PORT: String(adminPort),
        MQC_BROKER_PORTS: `${config.brokerPorts.first}-${config.brokerPorts.last}`,
        MQC_NODE_NAME: config.nodeName,
        MQC_BIND_HOST: '127.0.0.1',
        MQC_PUBLIC_HOST: config.publicHost,
        MQC_LOG_LEVEL: 'warn',
      },
    });
    broker.stdout?.on('data', (d: Buffer) => (brokerOutput += d.toString()));
    broker.stderr?.on('data', (d: Buffer) => (brokerOutput += d.toString()));
    const operator = new ApiClient(controlPlane.url, config.operatorToken);
    const created = await operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'flooder' });
    const tenant = operator.withToken(created.body.apiKey.secret);
    instance = await runningInstance(tenant, 'flooded', 'basic');
    fleet = await runningInstance(tenant, 'fleet', 'basic');
    for (const each of [instance, fleet]) {
      expect((await tenant.request('PUT', `/v1/instances/${each.id}/access-policy`, { anonymous: 'allow', onBackendFailure: 'deny' })).status).toBe(200);
      // The policy reaches the broker with a change event: wait until a client gets in.
      await eventually(async () => (await connectClient(each.endpoints!.mqtt)).endAsync(), 20_000);
    }
  });

  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.endAsync(true)));
    if (broker && broker.exitCode === null) {
      broker.kill('SIGTERM');
      await new Promise((r) => broker.once('exit', r));
    }
    await worker?.close();
    await controlPlane?.close();
    await db?.drop();
    await deleteNatsStreams(config);
  });

  it('refuses retained messages beyond the byte and count quotas with PUBACK 0x97, and the node\'s memory stays within the quota', { timeout: 180_000 }, async () => {
    const pid = broker.pid!;
    const publisher = await client('retained-flooder');
    const before = await settledResidentBytes(pid);
    // 1 GB of 200 KiB retained messages (the attack) against a 16 MiB quota, then 2,600 small ones against 2,000.
    const payload = Buffer.alloc(200 * 1024, 7);
    const big = Array.from({ length: FLOOD }, (_, i) => ({ topic: `big/${i}`, payload }));
    const bigCodes = tally(await publishRetained(publisher, big));
    const afterBig = await settledResidentBytes(pid);
    // Clearing the big ones frees their bytes for small ones, up to the count quota.
    const cleared = tally(await publishRetained(publisher, Array.from({ length: bigCodes[0] ?? 0 }, (_, i) => ({ topic: `big/${i}`, payload: Buffer.alloc(0) }))));
    const small = Array.from({ length: 2_600 }, (_, i) => ({ topic: `small/${i}`, payload: Buffer.from('reading') }));
    const smallCodes = tally(await publishRetained(publisher, small));

    expect(afterBig - before, `resident memory grew by ${((afterBig - before) / MiB).toFixed(1)} MiB`).toBeLessThan(basic.limits.retainedBytes + MARGIN);
    const admitted = Math.floor(basic.limits.retainedBytes / (payload.length + 'big/000'.length));
    expect(bigCodes[0]).toBeGreaterThanOrEqual(admitted - 1);
    expect(bigCodes[0]).toBeLessThanOrEqual(admitted + 1);
    expect(bigCodes[0x97]).toBe(FLOOD - bigCodes[0]!);
    expect(cleared).toEqual({ 0: bigCodes[0] });
    expect(smallCodes).toEqual({ 0: basic.limits.retainedMessages, 0x97: 600 });
    expect(publisher.connected).toBe(true);

    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const refused = new RegExp(`mqc_broker_refused_total\\{[^}]*instance="${instance.id}"[^}]*reason="retained-quota"[^}]*\\} (\\d+)`).exec(metrics);
    expect(Number(refused?.[1]), metrics).toBe(FLOOD - bigCodes[0]! + 600);
  });

  it('refuses subscriptions beyond the per-client and per-instance quotas with SUBACK 0x97, and the node\'s memory stays within the quota', { timeout: 180_000 }, async () => {
    const pid = broker.pid!;
    const flooder = await client('subscription-flooder');
    const before = await settledResidentBytes(pid);
    // 200,000 filters from one client, in SUBSCRIBEs of 2,000.
    const oneClient: number[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const topics = Array.from({ length: 2_000 }, (_, i) => `flood/${batch}/${i}/+/state`);
      oneClient.push(...(await subscribeCodes(flooder, topics, 1)));
    }
    // Then as many clients as it takes to pass the instance's quota.
    const perClient = basic.limits.subscriptionsPerClient;
    const helpers = Math.ceil(basic.limits.subscriptionsPerInstance / perClient) + 5;
    const manyClients: number[] = [];
    for (let c = 0; c < helpers; c++) {
      const helper = await client(`subscriber-${c}`);
      manyClients.push(...(await subscribeCodes(helper, Array.from({ length: perClient }, (_, i) => `many/${c}/${i}`), 0)));
    }
    const after = await settledResidentBytes(pid);

    const admitted = basic.limits.subscriptionsPerInstance * BYTES_PER_SUBSCRIPTION;
    expect(after - before, `resident memory grew by ${((after - before) / MiB).toFixed(1)} MiB`).toBeLessThan(admitted + MARGIN);
    expect(tally(oneClient)).toEqual({ 1: perClient, 0x97: 200_000 - perClient });
    const left = basic.limits.subscriptionsPerInstance - perClient;
    expect(tally(manyClients)).toEqual({ 0: left, 0x97: helpers * perClient - left });

    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    const refused = new RegExp(`mqc_broker_refused_total\\{[^}]*instance="${instance.id}"[^}]*reason="subscription-quota"[^}]*\\} (\\d+)`).exec(metrics);
    expect(Number(refused?.[1]), brokerOutput).toBe(200_000 - perClient + helpers * perClient - left);
  });

  it('refuses new sessions beyond the session quota (5.0 CONNACK 0x97, 3.1.1 3), and the offline fleet\'s queues stay within the instance\'s queued bytes', { timeout: 300_000 }, async () => {
    const pid = broker.pid!;
    const url = fleet.endpoints!.mqtt;
    const quota = basic.limits.sessionsPerInstance;
    const persistent = { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3_600 } } as const;
    const before = await settledResidentBytes(pid);
    // Every device: a persistent session subscribed to its own topic, then offline.
    for (let start = 0; start < quota; start += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, quota - start) }, async (_, i) => {
          const device = await connectClient(url, { ...persistent, clientId: `device-${start + i}` });
          await device.subscribeAsync(`fleet/${start + i}`, { qos: 1 });
          await device.endAsync();
        }),
      );
    }
    const extra5 = await Promise.all(Array.from({ length: 10 }, (_, i) => connackCode(url, { ...persistent, clientId: `extra-${i}` })));
    const extra311 = await connackCode(url, { protocolVersion: 4, clean: false, clientId: 'extra-311' });
    const cleanExtra = await connackCode(url, { protocolVersion: 5, clean: true, clientId: 'extra-clean' });
    // Resuming a session always works; so does starting clean over one (the publisher below).
    const resumed = await connectClient(url, { ...persistent, clientId: 'device-1' });
    expect(resumed.connected).toBe(true);
    await resumed.endAsync();
    const publisher = await connectClient(url, { protocolVersion: 5, clean: true, clientId: 'device-0' });
    clients.push(publisher);

    // 1 GB for the offline devices: five 200 KiB messages each, within each session's 4 MiB.
    const payload = Buffer.alloc(200 * 1024, 3);
    const flood = Array.from({ length: 5 }, () => Array.from({ length: quota - 1 }, (_, i) => ({ topic: `fleet/${i + 1}`, payload }))).flat();
    const codes = tally(await publishInRounds(publisher, flood, false));
    const after = await settledResidentBytes(pid);

    expect(extra5).toEqual(Array(10).fill(0x97));
    expect(extra311).toBe(3);
    expect(cleanExtra).toBe(0x97);
    expect(codes).toEqual({ 0: flood.length });
    const bound = basic.limits.queuedBytesPerInstance + quota * BYTES_PER_SESSION;
    expect(after - before, `resident memory grew by ${((after - before) / MiB).toFixed(1)} MiB`).toBeLessThan(bound + MARGIN);
    expect(await metric(adminPort, 'mqc_broker_refused_total', fleet.id, 'session-quota'), brokerOutput).toBe(12);
    const queueFull = await metric(adminPort, 'mqc_broker_refused_total', fleet.id, 'instance-queue-full');
    const held = Math.floor(basic.limits.queuedBytesPerInstance / (payload.length + 'fleet/000'.length));
    expect(queueFull).toBeGreaterThanOrEqual(flood.length - held - 1);
    expect(await metric(adminPort, 'mqc_broker_instance_usage', fleet.id, 'queuedBytes')).toBeLessThanOrEqual(basic.limits.queuedBytesPerInstance);
  });
});
