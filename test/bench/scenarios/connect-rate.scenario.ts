import { connectOnce } from '../load/connect-once';
import { RawClient } from '../load/raw-client';
import type { BrokerProcess } from '../broker-process';

/** CONNECTs made before the measured window; their client ids are `w-0`, `w-1`, … */
export const WARMUP_CONNECTS = 1_000;

export interface ConnectResult {
  connacksPerSecond: number;
  cpuMicrosPerConnack: number;
  /** The load generator's own CPU (this process): it must stay below the broker's. */
  generatorCpuMicrosPerConnack: number;
  refused: number;
}

export interface ConnectRateOptions {
  count: number;
  concurrency: number;
  username?: string;
  password?: string;
  prefix?: string;
  credentials?: (clientId: string) => { username?: string; password?: string };
  /** CONNECT packets encoded before the clock starts, by client id (measureConnectRate makes them). */
  encoded?: ReadonlyMap<string, Buffer>;
  /** Another way to CONNECT (e.g. SCRAM over AUTH, mutual TLS); connectOnce with the credentials by default. */
  open?: (port: number, clientId: string) => Promise<{ close(): void; code: number }>;
  /** measureConnectRate: warm up first (default true; later rounds on the same broker skip it). */
  warmUp?: boolean;
}

/** Opens `count` connections, `concurrency` at a time, each CONNECT → CONNACK → close. */
export async function connectRate(
  port: number,
  options: ConnectRateOptions,
): Promise<{ seconds: number; accepted: number; refused: number }> {
  let next = 0;
  let accepted = 0;
  let refused = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      const clientId = `${options.prefix ?? 'c'}-${i}`;
      const code = options.open ? await openAndClose(options.open, port, clientId) : await connectOnce(port, connectPacket(clientId, options));
      if (code === 0) accepted++;
      else refused++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, accepted, refused };
}

async function openAndClose(open: NonNullable<ConnectRateOptions['open']>, port: number, clientId: string): Promise<number> {
  const client = await open(port, clientId);
  client.close();
  return client.code;
}

function connectPacket(clientId: string, options: ConnectRateOptions): Buffer {
  const encoded = options.encoded?.get(clientId);
  if (encoded) return encoded;
  const presented = options.credentials?.(clientId) ?? { username: options.username, password: options.password };
  return encodeConnect(clientId, presented);
}

/** A CONNECT as RawClient sends it: MQTT 3.1.1, clean session, no keep-alive. */
export function encodeConnect(clientId: string, presented: { username?: string; password?: string }): Buffer {
  return RawClient.encode({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId,
    clean: true,
    keepalive: 0,
    username: presented.username,
    password: presented.password === undefined ? undefined : Buffer.from(presented.password),
  });
}

export async function measureConnectRate(
  broker: BrokerProcess,
  options: ConnectRateOptions,
): Promise<ConnectResult> {
  const warmUp = options.warmUp ?? true;
  if (!options.open) {
    const encoded = new Map<string, Buffer>();
    for (const prefix of warmUp ? ['w', options.prefix ?? 'c'] : [options.prefix ?? 'c']) {
      const count = prefix === 'w' ? WARMUP_CONNECTS : options.count;
      for (let i = 0; i < count; i++) encoded.set(`${prefix}-${i}`, connectPacket(`${prefix}-${i}`, options));
    }
    options = { ...options, encoded };
  }
  // Warm-up, unmeasured: the JIT compiles the CONNECT path of both brokers first.
  // Its own client ids (prefix `w`), so no measured client has connected before.
  if (warmUp) await connectRate(broker.port, { ...options, count: WARMUP_CONNECTS, prefix: 'w' });
  const cpuBefore = await broker.cpuMicros();
  const generatorBefore = process.cpuUsage();
  const run = await connectRate(broker.port, options);
  const generator = process.cpuUsage(generatorBefore);
  const cpu = (await broker.cpuMicros()) - cpuBefore;
  const perConnack = (micros: number) => micros / Math.max(1, run.accepted);
  return {
    connacksPerSecond: Math.round(run.accepted / run.seconds),
    cpuMicrosPerConnack: perConnack(cpu),
    generatorCpuMicrosPerConnack: perConnack(generator.user + generator.system),
    refused: run.refused,
  };
}
