import { RawClient } from '../load/raw-client';
import type { BrokerProcess } from '../broker-process';

/** CONNECTs made before the measured window; their client ids are `w-0`, `w-1`, … */
export const WARMUP_CONNECTS = 200;

export interface ConnectResult {
  connacksPerSecond: number;
  cpuMicrosPerConnack: number;
  refused: number;
}

/** Opens `count` connections, `concurrency` at a time, each CONNECT → CONNACK → close. */
export async function connectRate(
  port: number,
  options: {
    count: number;
    concurrency: number;
    username?: string;
    password?: string;
    prefix?: string;
    credentials?: (clientId: string) => { username?: string; password?: string };
    /** Another way to CONNECT (e.g. SCRAM over AUTH); RawClient.connect with the credentials by default. */
    open?: (port: number, clientId: string) => Promise<{ close(): void; code: number }>;
  },
): Promise<{ seconds: number; accepted: number; refused: number }> {
  let next = 0;
  let accepted = 0;
  let refused = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      const clientId = `${options.prefix ?? 'c'}-${i}`;
      const presented = options.credentials?.(clientId) ?? { username: options.username, password: options.password };
      const { client, code } = options.open ? await options.open(port, clientId).then((r) => ({ client: r, code: r.code })) : await RawClient.connect(port, { clientId, ...presented });
      if (code === 0) accepted++;
      else refused++;
      client.close();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, accepted, refused };
}

export async function measureConnectRate(
  broker: BrokerProcess,
  options: Parameters<typeof connectRate>[1],
): Promise<ConnectResult> {
  // Warm-up, unmeasured: the JIT compiles the CONNECT path of both brokers first.
  // Its own client ids (prefix `w`), so no measured client has connected before.
  await connectRate(broker.port, { ...options, count: WARMUP_CONNECTS, prefix: 'w' });
  const cpuBefore = await broker.cpuMicros();
  const run = await connectRate(broker.port, options);
  const cpu = (await broker.cpuMicros()) - cpuBefore;
  return { connacksPerSecond: Math.round(run.accepted / run.seconds), cpuMicrosPerConnack: cpu / Math.max(1, run.accepted), refused: run.refused };
}
