import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { IdleProcessReply, OpenIdleRequest } from '../load/idle-connections.process';
import { rssBytes } from '../proc-usage';
import { sleep } from '../stats';

export interface MeasuredPeer {
  port: number;
  tlsPort?: number;
  pid: number;
  /** A full garbage collection (Node brokers), before memory is read: the JS heap in use after it (NaN for mosquitto). */
  settle(): Promise<number>;
}

/** Memory added per idle connection, in bytes: resident memory, and the JS heap in use (NaN for mosquitto). */
export interface PerConnection {
  rss: number;
  heap: number;
}

export interface IdleMemoryResult {
  /** From the baseline to `counts[0]` connections, per connection (the figure the bench always printed). */
  atFirst: PerConnection;
  /** From the baseline to `counts[1]` connections, per connection. */
  atSecond: PerConnection;
  /** From `counts[0]` to `counts[1]` connections, per added connection: the marginal cost, without one-time growth. */
  marginal: PerConnection;
  rssBytes: [before: number, atFirst: number, atSecond: number];
}

/** How long the connections stay quiet before memory is read. */
export const IDLE_SECONDS = 7;

interface Memory {
  rss: number;
  heap: number;
}

/** Resident memory counts as settled when it moved less than this over the last few seconds. */
const STABLE_WITHIN = 0.01;
const STABLE_SECONDS = 6;
const MAX_SETTLE_SECONDS = 40;

/**
 * The broker's memory once it has settled: a full collection (Node brokers), then resident
 * memory read every second until it moved less than 1 % over 6 s (at most 40 s). V8 gives
 * back the young generation it grew during the connection burst some seconds after the burst,
 * not at the collection: read at once, the figure swings by tens of MiB either way (measured:
 * at 18,000 connections below what it was at 10,000). Mosquitto settles at once.
 */
async function settledMemory(peer: MeasuredPeer): Promise<Memory> {
  const heap = await peer.settle();
  const seen: number[] = [];
  for (let second = 0; second < MAX_SETTLE_SECONDS; second++) {
    await sleep(1_000);
    seen.push(rssBytes(peer.pid));
    const window = seen.slice(-STABLE_SECONDS);
    if (window.length === STABLE_SECONDS && Math.max(...window) - Math.min(...window) < STABLE_WITHIN * Math.max(...window)) break;
  }
  return { rss: seen.at(-1) as number, heap };
}

/**
 * Idle connections held by a process of their own (each process has its own file descriptors,
 * so the broker can be given more connections than one process may hold); they close when it is killed.
 */
async function openInProcess(request: OpenIdleRequest): Promise<ChildProcess> {
  const child = fork(join(__dirname, '..', 'load', 'idle-connections.process.js'), [], { execArgv: ['-r', 'tsconfig-paths/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = new Promise<IdleProcessReply>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the idle-connection process exited (${code}) before opening its connections`)));
  });
  child.send(request);
  const answer = await reply;
  if (answer.type === 'failed') {
    child.kill('SIGKILL');
    throw new Error(answer.message);
  }
  return child;
}

function perConnection(from: Memory, to: Memory, count: number): PerConnection {
  return { rss: (to.rss - from.rss) / count, heap: (to.heap - from.heap) / count };
}

/**
 * Memory per idle connection, measured twice in one broker: with `counts[0]` idle MQTT clients,
 * then with `counts[1]`. The broker's resident memory (after a full collection for the Node
 * brokers, once it settled: settledMemory) minus the baseline, per connection, at each count;
 * and the slope between the two counts, which leaves out what grows once whatever the count
 * (allocator arenas, tables): the marginal cost of one more connection. A
 * first batch of the same clients warms the broker up (code compiled, pools grown) and is
 * closed before the baseline is read. The clients come from two processes of their own.
 */
export async function idleMemory(peer: MeasuredPeer, options: { counts: [number, number]; tls: boolean }): Promise<IdleMemoryResult> {
  const port = options.tls ? peer.tlsPort : peer.port;
  if (port === undefined) throw new Error('the broker has no TLS port');
  const [first, second] = options.counts;
  if (!(second > first)) throw new Error(`the second count (${second}) must be above the first (${first})`);
  const generators: ChildProcess[] = [];
  try {
    const warm = await openInProcess({ port, count: Math.min(500, first), concurrency: 50, tls: options.tls, prefix: 'warm' });
    warm.kill('SIGKILL');
    await sleep(3_000);
    const before = await settledMemory(peer);
    generators.push(await openInProcess({ port, count: first, concurrency: 100, tls: options.tls, prefix: 'idle' }));
    // Idle: longer than the broker's parser idle time (5 s), as a device between its messages.
    await sleep(IDLE_SECONDS * 1000);
    const atFirst = await settledMemory(peer);
    generators.push(await openInProcess({ port, count: second - first, concurrency: 100, tls: options.tls, prefix: 'more' }));
    await sleep(IDLE_SECONDS * 1000);
    const atSecond = await settledMemory(peer);
    return {
      atFirst: perConnection(before, atFirst, first),
      atSecond: perConnection(before, atSecond, second),
      marginal: perConnection(atFirst, atSecond, second - first),
      rssBytes: [before.rss, atFirst.rss, atSecond.rss],
    };
  } finally {
    for (const generator of generators) generator.kill('SIGKILL');
    await sleep(500);
  }
}
