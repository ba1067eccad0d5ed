import { RawClient } from '../load/raw-client';
import type { BrokerProcess } from '../broker-process';
import { percentile, sleep } from '../stats';

export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  received: number;
  sent: number;
}

/** Publishes at a fixed rate with a send timestamp in the payload; latency = arrival − send. */
export async function publishLatency(
  port: number,
  options: { rate: number; seconds: number; qos: 0 | 1; topic?: string; during?: () => Promise<unknown>; username?: string; password?: string },
): Promise<LatencyResult> {
  const topic = options.topic ?? 'bench/latency';
  const credentials = { username: options.username, password: options.password };
  const subscriber = await RawClient.connectAccepted(port, { clientId: `lat-sub-${topic}`, ...credentials });
  await subscriber.subscribe(topic, options.qos);
  const publisher = await RawClient.connectAccepted(port, { clientId: `lat-pub-${topic}`, ...credentials });
  const latencies: number[] = [];
  subscriber.onMessage = (_topic, payload) => latencies.push(performance.now() - payload.readDoubleLE(0));

  let sent = 0;
  const started = performance.now();
  const background = options.during?.();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
      while (sent < due) {
        const payload = Buffer.alloc(8);
        payload.writeDoubleLE(performance.now(), 0);
        void publisher.publish(topic, payload, options.qos);
        sent++;
      }
      if (performance.now() - started >= options.seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await background;
  await sleep(300);
  subscriber.close();
  publisher.close();
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), received: latencies.length, sent };
}

export function qos1Latency(broker: BrokerProcess, options: { rate: number; seconds: number }): Promise<LatencyResult> {
  return publishLatency(broker.port, { ...options, qos: 1 });
}
