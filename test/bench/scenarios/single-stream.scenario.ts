import { RawClient } from '../load/raw-client';
import { percentile, sleep } from '../stats';

export interface StreamPeer {
  port: number;
  cpuMicros(): Promise<number>;
}

export interface SingleStreamResult {
  offeredPerSecond: number;
  deliveredPerSecond: number;
  cpuMicrosPerMessage: number;
  p50Ms: number;
  p99Ms: number;
}

/** Messages written together, every TICK_MS. */
const TICK_MS = 5;
const PAYLOAD_BYTES = 64;

/**
 * One publisher, one subscriber, one topic, at a fixed offered rate (the "single
 * stream"): the broker's CPU per message through parse → route → encode → write. Every
 * PUBLISH is encoded once before the clock starts and copied per message (its packet id and a
 * send timestamp written into the copy), so the generator stays lighter than the broker. At
 * QoS 1 the subscriber acknowledges every delivery and the publisher's PUBACKs are counted off
 * the bytes (4 each).
 */
export async function singleStream(peer: StreamPeer, options: { qos: 0 | 1; rate: number; seconds: number; warmupSeconds?: number }): Promise<SingleStreamResult> {
  const topic = `bench/stream${options.qos}`;
  const subscriber = await RawClient.connectAccepted(peer.port, { clientId: `stream-sub-${options.qos}` });
  await subscriber.subscribe(topic, options.qos);
  const publisher = await RawClient.connectAccepted(peer.port, { clientId: `stream-pub-${options.qos}` });
  let measuring = false;
  const latencies: number[] = [];
  let delivered = 0;
  subscriber.onMessage = (_topic, payload) => {
    delivered++;
    if (measuring) latencies.push(performance.now() - payload.readDoubleLE(0));
  };
  let pubacks = 0;
  publisher.socket.removeAllListeners('data');
  publisher.socket.on('data', (chunk: Buffer) => (pubacks += chunk.length / 4));

  const template = RawClient.encode({ cmd: 'publish', topic, payload: Buffer.alloc(PAYLOAD_BYTES), qos: options.qos, messageId: options.qos === 1 ? 1 : undefined, retain: false, dup: false });
  const payloadAt = template.length - PAYLOAD_BYTES;
  let packetId = 0;
  const batch = (count: number): Buffer => {
    const out = Buffer.allocUnsafe(template.length * count);
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      const at = i * template.length;
      template.copy(out, at);
      if (options.qos === 1) {
        packetId = packetId === 65535 ? 1 : packetId + 1;
        out.writeUInt16BE(packetId, at + payloadAt - 2);
      }
      out.writeDoubleLE(now, at + payloadAt);
    }
    return out;
  };
  const pace = (seconds: number) =>
    new Promise<number>((resolve) => {
      const started = performance.now();
      let sent = 0;
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
        if (due > sent) {
          publisher.writeRaw(batch(due - sent));
          sent = due;
        }
        if (performance.now() - started >= seconds * 1000) {
          clearInterval(timer);
          resolve(sent);
        }
      }, TICK_MS);
    });
  await pace(options.warmupSeconds ?? 1);
  await sleep(300);
  const deliveredBefore = delivered;
  const cpuBefore = await peer.cpuMicros();
  measuring = true;
  const sent = await pace(options.seconds);
  await sleep(300);
  measuring = false;
  const cpu = (await peer.cpuMicros()) - cpuBefore;
  const count = delivered - deliveredBefore;
  subscriber.close();
  publisher.close();
  if (options.qos === 1 && pubacks === 0) throw new Error('no PUBACK received');
  return {
    offeredPerSecond: Math.round(sent / options.seconds),
    // Over the paced seconds: the 300 ms after them only let the last messages arrive.
    deliveredPerSecond: Math.round(count / options.seconds),
    cpuMicrosPerMessage: cpu / count,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
