import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker } from './testing/broker-fixture';
import type { InstanceBroker } from './instance-broker';

interface Served {
  broker: InstanceBroker;
  port: number;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(broker: InstanceBroker = createBroker()): Promise<Served> {
  const server = net.createServer((socket) => broker.handleConnection(socket, { remoteAddress: socket.remoteAddress ?? '', transport: 'tcp' }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const close = async (): Promise<void> => {
    await broker.close();
    await new Promise((resolve) => server.close(resolve));
  };
  cleanups.push(close);
  return { broker, port, close };
}

async function client(port: number, options: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
  cleanups.push(async () => {
    await c.endAsync(true);
  });
  return c;
}

/** The first argument of the next `event` from an mqtt.js client. */
function nextEvent<T>(c: MqttClient, event: 'connect' | 'disconnect' | 'close'): Promise<T> {
  return new Promise((resolve) => c.once(event, (arg?: unknown) => resolve(arg as T)));
}

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

/** Collects messages as they arrive; `take(n)` waits for n of them. */
function collect(c: MqttClient): { take(n: number): Promise<Received[]>; all: Received[] } {
  const all: Received[] = [];
  const waiting: { n: number; resolve: (r: Received[]) => void }[] = [];
  c.on('message', (topic, payload, packet) => {
    all.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain });
    for (const w of [...waiting]) {
      if (all.length >= w.n) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(all.slice(0, w.n));
      }
    }
  });
  return {
    all,
    take: (n) => (all.length >= n ? Promise.resolve(all.slice(0, n)) : new Promise((resolve) => waiting.push({ n, resolve }))),
  };
}

interface Spawned {
  /** Resolves once mosquitto_sub has its SUBACK (it runs with -d). */
  subscribed: Promise<void>;
  exited: Promise<{ code: number | null; lines: string[]; output: string }>;
  kill(): void;
}

/** Runs mosquitto_pub/sub; message lines are printed as `MSG|retain|qos|topic|payload`. */
function mosquitto(command: 'mosquitto_pub' | 'mosquitto_sub', args: string[]): Spawned {
  // Line-buffered stdout, so "received SUBACK" shows up when it happens, not at exit.
  const child = spawn('/usr/bin/stdbuf', ['-oL', `/usr/bin/${command}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let onSuback: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => (onSuback = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('SUBACK')) onSuback();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; lines: string[]; output: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, output, lines: output.split('\n').filter((line) => line.startsWith('MSG|')) }));
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { subscribed, exited, kill: () => child.kill('SIGKILL') };
}

const FORMAT = ['-F', 'MSG|%r|%q|%t|%p'];

function sub(port: number, version: 'mqttv311' | 'mqttv5', extra: string[]): Spawned {
  return mosquitto('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-V', version, '-d', '-W', '20', ...FORMAT, ...extra]);
}

async function pub(port: number, version: 'mqttv311' | 'mqttv5', extra: string[]): Promise<void> {
  const { code, lines } = await mosquitto('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-V', version, ...extra]).exited;
  expect(code, lines.join('\n')).toBe(0);
}

describe('InstanceBroker over TCP with real clients', () => {
  it('mqtt.js 3.1.1 and 5.0 clients exchange QoS 0, 1 and 2 messages', async () => {
    const { port } = await serve();
    const v4 = await client(port, { protocolVersion: 4, clientId: 'js-v4' });
    const v5 = await client(port, { protocolVersion: 5, clientId: 'js-v5' });
    const to4 = collect(v4);
    const to5 = collect(v5);
    await v4.subscribeAsync('to/v4', { qos: 2 });
    await v5.subscribeAsync('to/v5', { qos: 2 });
    for (const qos of [0, 1, 2] as const) {
      await v5.publishAsync('to/v4', `q${qos}`, { qos });
      await v4.publishAsync('to/v5', `q${qos}`, { qos });
    }
    expect((await to4.take(3)).map((m) => [m.payload, m.qos])).toEqual([['q0', 0], ['q1', 1], ['q2', 2]]);
    expect((await to5.take(3)).map((m) => [m.payload, m.qos])).toEqual([['q0', 0], ['q1', 1], ['q2', 2]]);
  });

  for (const version of ['mqttv311', 'mqttv5'] as const) {
    it(`mosquitto_pub (${version}) reaches an mqtt.js subscriber at QoS 0, 1 and 2`, async () => {
      const { port } = await serve();
      const js = await client(port, { protocolVersion: version === 'mqttv5' ? 5 : 4, clientId: 'js' });
      const received = collect(js);
      await js.subscribeAsync('m/#', { qos: 2 });
      for (const qos of ['0', '1', '2']) await pub(port, version, ['-t', `m/${qos}`, '-m', `hello ${qos}`, '-q', qos]);
      expect(await received.take(3)).toEqual([
        { topic: 'm/0', payload: 'hello 0', qos: 0, retain: false },
        { topic: 'm/1', payload: 'hello 1', qos: 1, retain: false },
        { topic: 'm/2', payload: 'hello 2', qos: 2, retain: false },
      ]);
    });

    it(`an mqtt.js publisher reaches mosquitto_sub (${version}) at QoS 1 and 2`, async () => {
      const { port } = await serve();
      const subscriber = sub(port, version, ['-t', 'n/#', '-q', '2', '-C', '2']);
      await subscriber.subscribed;
      const js = await client(port, { protocolVersion: 4, clientId: 'js-pub' });
      await js.publishAsync('n/1', 'one', { qos: 1 });
      await js.publishAsync('n/2', 'two', { qos: 2 });
      const { code, lines, output } = await subscriber.exited;
      expect(code, output).toBe(0);
      expect(lines).toEqual(['MSG|0|1|n/1|one', 'MSG|0|2|n/2|two']);
    });

    it(`retained messages (${version}): set, replaced, delivered with the retain flag, cleared by an empty payload`, async () => {
      const { port } = await serve();
      await pub(port, version, ['-t', 'r/a', '-m', 'first', '-r', '-q', '1']);
      await pub(port, version, ['-t', 'r/a', '-m', 'second', '-r', '-q', '1']);
      await pub(port, version, ['-t', 'r/b', '-m', 'other', '-r']);
      const first = await sub(port, version, ['-t', 'r/#', '-q', '1', '--retained-only', '-W', '1']).exited;
      expect(first.lines.sort()).toEqual(['MSG|1|0|r/b|other', 'MSG|1|1|r/a|second']);
      await pub(port, version, ['-t', 'r/a', '-n', '-r']);
      const second = await sub(port, version, ['-t', 'r/#', '-q', '1', '--retained-only', '-W', '1']).exited;
      expect(second.lines).toEqual(['MSG|1|0|r/b|other']);
    });

    it(`persistent sessions (${version}): mosquitto_sub -c gets the QoS 1 messages queued while it was away`, async () => {
      const { port } = await serve();
      const session = version === 'mqttv5' ? ['-x', '300'] : [];
      const first = sub(port, version, ['-t', 'p/#', '-q', '1', '-c', '-i', 'persistent-sub', ...session, '-E']);
      await first.exited;
      await pub(port, version, ['-t', 'p/1', '-m', 'queued-1', '-q', '1']);
      await pub(port, version, ['-t', 'p/2', '-m', 'queued-2', '-q', '1']);
      const again = await mosquitto('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-V', version, ...FORMAT, '-c', '-i', 'persistent-sub', ...session, '-t', 'p/#', '-q', '1', '-C', '2', '-W', '20']).exited;
      expect(again.lines).toEqual(['MSG|0|1|p/1|queued-1', 'MSG|0|1|p/2|queued-2']);
    });
  }

  it('will: published when an mqtt.js client drops, not after a clean DISCONNECT', async () => {
    const { port } = await serve();
    const watcher = await client(port, { protocolVersion: 5, clientId: 'watcher' });
    const wills = collect(watcher);
    await watcher.subscribeAsync('wills/#', { qos: 1 });
    const polite = await client(port, { protocolVersion: 4, clientId: 'polite', will: { topic: 'wills/polite', payload: Buffer.from('gone'), qos: 1, retain: false } });
    await polite.endAsync();
    const dropped = await client(port, { protocolVersion: 5, clientId: 'dropped', will: { topic: 'wills/dropped', payload: Buffer.from('lost'), qos: 1, retain: false } });
    dropped.stream.destroy();
    expect(await wills.take(1)).toEqual([{ topic: 'wills/dropped', payload: 'lost', qos: 1, retain: false }]);
    expect(wills.all).toHaveLength(1);
  });

  it('will: a killed mosquitto_sub has its will delivered to mqtt.js', async () => {
    const { port } = await serve();
    const js = await client(port, { protocolVersion: 4, clientId: 'js' });
    const wills = collect(js);
    await js.subscribeAsync('wills/mosq', { qos: 1 });
    const doomed = sub(port, 'mqttv5', ['-t', 'x', '--will-topic', 'wills/mosq', '--will-payload', 'bye', '--will-qos', '1']);
    await doomed.subscribed;
    doomed.kill();
    expect(await wills.take(1)).toEqual([{ topic: 'wills/mosq', payload: 'bye', qos: 1, retain: false }]);
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`persistent sessions (mqtt.js ${protocolVersion}): QoS 1 messages queued while offline arrive after reconnect, session present`, async () => {
      const { port } = await serve();
      const options: IClientOptions = { protocolVersion, clientId: 'durable', clean: false, properties: protocolVersion === 5 ? { sessionExpiryInterval: 300 } : undefined };
      const first = await client(port, options);
      await first.subscribeAsync('q/#', { qos: 1 });
      await first.endAsync();
      const publisher = await client(port, { protocolVersion: 4, clientId: 'publisher' });
      await publisher.publishAsync('q/1', 'one', { qos: 1 });
      await publisher.publishAsync('q/2', 'two', { qos: 1 });
      const second = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...options });
      cleanups.push(async () => {
        await second.endAsync(true);
      });
      const received = collect(second);
      const connack = await nextEvent<{ sessionPresent: boolean }>(second, 'connect');
      expect(connack.sessionPresent).toBe(true);
      expect((await received.take(2)).map((m) => m.payload)).toEqual(['one', 'two']);
    });
  }

  it('take-over: the same client id connecting again closes the old connection (5.0: DISCONNECT 0x8E)', async () => {
    const { port, broker } = await serve();
    const old5 = await client(port, { protocolVersion: 5, clientId: 'same-5' });
    const disconnected = nextEvent<{ reasonCode: number }>(old5, 'disconnect');
    await client(port, { protocolVersion: 5, clientId: 'same-5' });
    expect((await disconnected).reasonCode).toBe(0x8e);
    const old4 = await client(port, { protocolVersion: 4, clientId: 'same-4' });
    const closed = nextEvent<void>(old4, 'close');
    await client(port, { protocolVersion: 4, clientId: 'same-4' });
    await closed;
    expect(broker.connectedClients).toBe(2);
  });

  it('two instances with the same client ids and topics stay isolated', async () => {
    const one = await serve(createBroker({}, undefined, 'instance-one'));
    const two = await serve(createBroker({}, undefined, 'instance-two'));
    await pub(one.port, 'mqttv311', ['-t', 'shared/topic', '-m', 'retained-in-one', '-r']);
    const subOne = await client(one.port, { protocolVersion: 5, clientId: 'device' });
    const subTwo = await client(two.port, { protocolVersion: 5, clientId: 'device' });
    const inOne = collect(subOne);
    const inTwo = collect(subTwo);
    await subOne.subscribeAsync('shared/#', { qos: 1 });
    await subTwo.subscribeAsync('shared/#', { qos: 1 });
    expect(await inOne.take(1)).toEqual([{ topic: 'shared/topic', payload: 'retained-in-one', qos: 0, retain: true }]);
    const pubTwo = await client(two.port, { protocolVersion: 4, clientId: 'publisher' });
    await pubTwo.publishAsync('shared/topic', 'only-two', { qos: 1 });
    expect(await inTwo.take(1)).toEqual([{ topic: 'shared/topic', payload: 'only-two', qos: 1, retain: false }]);
    await pub(one.port, 'mqttv5', ['-t', 'shared/topic', '-m', 'only-one', '-q', '1']);
    expect((await inOne.take(2))[1].payload).toBe('only-one');
    expect(inTwo.all.map((m) => m.payload)).toEqual(['only-two']);
    expect(one.broker.connectedClients).toBe(1);
    expect(two.broker.connectedClients).toBe(2);
  });
});
