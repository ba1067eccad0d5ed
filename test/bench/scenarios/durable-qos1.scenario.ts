import { randomBytes } from 'node:crypto';
import { RawClient } from '../load/raw-client';
import type { BrokerProcess } from '../broker-process';
import { percentile, sleep } from '../stats';

export interface PersistentQos1Result {
  /** Publish → arrival at the subscriber. */
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  /** Publish → PUBACK to the publisher (for a durable broker: after the store took it). */
  pubackP99Ms: number;
  cpuMicrosPerMessage: number;
  received: number;
  sent: number;
}

/**
 * Issue 14: QoS 1 at a fixed offered load to one subscriber whose session is persistent
 * (`clean: false`), or clean for the in-memory baseline; the publisher's session is clean.
 * CPU is the broker process's, per message published.
 */
export async function persistentQos1(broker: BrokerProcess, options: { rate: number; seconds: number; clean: boolean }): Promise<PersistentQos1Result> {
  const id = randomBytes(4).toString('hex');
  const topic = `bench/durable/${id}`;
  const subscriber = await RawClient.connectAccepted(broker.port, { clientId: `dur-sub-${id}`, clean: options.clean });
  await subscriber.subscribe(topic, 1);
  const publisher = await RawClient.connectAccepted(broker.port, { clientId: `dur-pub-${id}` });
  const latencies: number[] = [];
  const pubacks: number[] = [];
  subscriber.onMessage = (_topic, payload) => latencies.push(performance.now() - payload.readDoubleLE(0));
  // Warm up: the broker's code paths and the store's streams exist before the clock starts.
  for (let i = 0; i < 200; i++) {
    const payload = Buffer.alloc(64);
    payload.writeDoubleLE(performance.now(), 0);
    await publisher.publish(topic, payload, 1);
  }
  await sleep(200);
  latencies.length = 0;
  const cpuBefore = await broker.cpuMicros();
  let sent = 0;
  const started = performance.now();
  const acked: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
      while (sent < due) {
        const payload = Buffer.alloc(64);
        const at = performance.now();
        payload.writeDoubleLE(at, 0);
        acked.push((publisher.publish(topic, payload, 1) as Promise<void>).then(() => void pubacks.push(performance.now() - at)));
        sent++;
      }
      if (performance.now() - started >= options.seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await Promise.race([Promise.all(acked), sleep(10_000)]);
  for (let i = 0; i < 100 && latencies.length < sent; i++) await sleep(50);
  const cpuAfter = await broker.cpuMicros();
  subscriber.close();
  publisher.close();
  return {
    deliveryP50Ms: percentile(latencies, 50),
    deliveryP99Ms: percentile(latencies, 99),
    pubackP99Ms: percentile(pubacks, 99),
    cpuMicrosPerMessage: (cpuAfter - cpuBefore) / sent,
    received: latencies.length,
    sent,
  };
}

/** Queues `count` QoS 1 messages for an offline persistent session; returns its client id and topic. */
export async function queueForOfflineSession(port: number, count: number): Promise<{ clientId: string; count: number }> {
  const id = randomBytes(4).toString('hex');
  const clientId = `replay-${id}`;
  const subscriber = await RawClient.connectAccepted(port, { clientId, clean: false });
  await subscriber.subscribe(`bench/replay/${id}`, 1);
  subscriber.close();
  await sleep(200);
  const publisher = await RawClient.connectAccepted(port, { clientId: `replay-pub-${id}` });
  const payload = Buffer.alloc(64);
  // In windows of 1,000 unacknowledged PUBLISHes, as a device with a bounded in-flight window sends.
  for (let sent = 0; sent < count; sent += 1_000) {
    const window: Promise<void>[] = [];
    for (let i = sent; i < Math.min(count, sent + 1_000); i++) window.push(publisher.publish(`bench/replay/${id}`, payload, 1) as Promise<void>);
    await Promise.all(window);
  }
  publisher.close();
  return { clientId, count };
}

/** The session reconnects: messages per second from its CONNECT to its last queued message. */
export async function replay(port: number, session: { clientId: string; count: number }): Promise<{ messagesPerSecond: number; received: number }> {
  let received = 0;
  let finished = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const onMessage = (): void => {
    if (++received !== session.count) return;
    finished = performance.now();
    resolveDone();
  };
  const started = performance.now();
  const client = await RawClient.connectAccepted(port, { clientId: session.clientId, clean: false, onMessage });
  await Promise.race([done, sleep(60_000)]);
  client.close();
  const elapsed = ((finished || performance.now()) - started) / 1000;
  return { messagesPerSecond: received / elapsed, received };
}
