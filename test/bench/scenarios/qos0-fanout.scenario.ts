import { RawClient } from '../load/raw-client';
import type { BrokerProcess } from '../broker-process';
import { sleep } from '../stats';

export interface Qos0Result {
  offeredPerSecond: number;
  deliveredPerSecond: number;
  cpuMicrosPerDelivery: number;
}

/**
 * QoS 0 fan-out at a fixed offered rate: one publisher, `subscribers` subscribers of the same
 * topic. Subscribers count bytes instead of parsing (every delivery is the same size), and
 * the publisher writes one pre-encoded batch every 10 ms, so the load stays cheap. With
 * `topics` > 1 (at most 10,000) the publisher goes round `bench/t0000`, `bench/t0001`, … and the
 * subscribers subscribe to `bench/+`.
 */
export async function qos0Fanout(broker: BrokerProcess, options: { rate: number; seconds: number; subscribers: number; warmupSeconds?: number; topics?: number }): Promise<Qos0Result> {
  const topics = options.topics ?? 1;
  const topic = topics === 1 ? 'bench/qos0' : 'bench/+';
  const payload = Buffer.alloc(64, 1);
  const frames = Array.from({ length: topics }, (_, i) =>
    RawClient.encode({ cmd: 'publish', topic: topics === 1 ? topic : `bench/t${String(i).padStart(4, '0')}`, payload, qos: 0, retain: false, dup: false }),
  );
  const frame = frames[0]!;
  const counters: number[] = [];
  const subscribers: RawClient[] = [];
  for (let i = 0; i < options.subscribers; i++) {
    const client = await RawClient.connectAccepted(broker.port, { clientId: `sub-${i}` });
    await client.subscribe(topic, 0);
    const index = counters.push(0) - 1;
    client.socket.removeAllListeners('data');
    client.socket.on('data', (chunk: Buffer) => (counters[index]! += chunk.length));
    subscribers.push(client);
  }
  const publisher = await RawClient.connectAccepted(broker.port, { clientId: 'pub' });
  const perTick = Math.max(1, Math.round(options.rate / 100));
  const batches = Array.from({ length: Math.ceil(topics / perTick) }, (_, b) => Buffer.concat(Array.from({ length: perTick }, (_, j) => frames[(b * perTick + j) % topics]!)));
  let next = 0;

  const deliveredSoFar = () => counters.reduce((sum, bytes) => sum + Math.floor(bytes / frame.length), 0);
  const pace = (seconds: number) => {
    const started = performance.now();
    let sent = 0;
    return new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
        while (sent + perTick <= due) {
          publisher.writeRaw(batches[next]!);
          next = (next + 1) % batches.length;
          sent += perTick;
        }
        if (performance.now() - started >= seconds * 1000) {
          clearInterval(timer);
          resolve(sent);
        }
      }, 10);
    });
  };
  // Warm-up, unmeasured, so the JIT has compiled both brokers' hot paths.
  await pace(options.warmupSeconds ?? 1);
  await sleep(300);
  const deliveredBefore = deliveredSoFar();
  const cpuBefore = await broker.cpuMicros();
  const started = performance.now();
  const sent = await pace(options.seconds);
  await sleep(500);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = (await broker.cpuMicros()) - cpuBefore;
  const delivered = deliveredSoFar() - deliveredBefore;
  for (const client of [publisher, ...subscribers]) client.close();
  return {
    offeredPerSecond: Math.round(sent / options.seconds),
    deliveredPerSecond: Math.round(delivered / elapsed),
    cpuMicrosPerDelivery: cpu / delivered,
  };
}
