import { openIdleConnections } from '../load/idle-connections';
import { rssBytes } from '../proc-usage';
import { sleep } from '../stats';

export interface MeasuredPeer {
  port: number;
  tlsPort?: number;
  pid: number;
  /** A full garbage collection (Node brokers), before memory is read: the JS heap in use after it (NaN for mosquitto). */
  settle(): Promise<number>;
}

export interface IdleMemoryResult {
  /** Resident memory added per idle connection, in bytes. */
  bytesPerConnection: number;
  /** JS heap in use (after a full collection) added per idle connection, in bytes; NaN for mosquitto. */
  heapBytesPerConnection: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
}

/** How long the connections stay quiet before memory is read. */
export const IDLE_SECONDS = 7;

async function settledMemory(peer: MeasuredPeer): Promise<{ rss: number; heap: number }> {
  const heap = await peer.settle();
  await sleep(500);
  return { rss: rssBytes(peer.pid), heap };
}

/**
 * Memory per idle connection: the broker's resident memory (after a full collection for the
 * Node brokers) with `count` idle MQTT clients connected, minus before, divided by `count`.
 * A first batch of the same clients warms the broker up (code compiled, pools grown) and is
 * closed before the baseline is read.
 */
export async function idleMemory(peer: MeasuredPeer, options: { count: number; tls: boolean }): Promise<IdleMemoryResult> {
  const port = options.tls ? peer.tlsPort : peer.port;
  if (port === undefined) throw new Error('the broker has no TLS port');
  const warm = await openIdleConnections(port, { count: Math.min(500, options.count), concurrency: 50, tls: options.tls, prefix: 'warm' });
  warm.close();
  await sleep(1_000);
  const before = await settledMemory(peer);
  const idle = await openIdleConnections(port, { count: options.count, concurrency: 100, tls: options.tls, prefix: 'idle' });
  // Idle: longer than the broker's parser idle time (5 s), as a device between its messages.
  await sleep(IDLE_SECONDS * 1000);
  const after = await settledMemory(peer);
  idle.close();
  await sleep(500);
  return {
    bytesPerConnection: (after.rss - before.rss) / options.count,
    heapBytesPerConnection: (after.heap - before.heap) / options.count,
    rssBeforeBytes: before.rss,
    rssAfterBytes: after.rss,
  };
}
