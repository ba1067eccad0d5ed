import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { IdleProcessReply, OpenIdleRequest } from '../load/idle-connections.process';
import { rssBytes } from '../proc-usage';
import type { SettledMemory } from '../servers/server-protocol';
import { sleep } from '../stats';

export interface MeasuredPeer {
  port: number;
  tlsPort?: number;
  pid: number;
  /** A full garbage collection (Node brokers), before memory is read: the JS heap and young generation after it (mosquitto: NaN, 0). */
  settle(): Promise<SettledMemory>;
}

/** Memory added per idle connection, in bytes. */
export interface PerConnection {
  /** Resident memory, as the process reports it. */
  rss: number;
  /** Resident memory less V8's young generation (mosquitto: the same as `rss`). */
  rssLessYoung: number;
  /** JS heap in use after a full collection (NaN for mosquitto). */
  heap: number;
}

export interface IdleMemoryResult {
  /** From the baseline to `counts[0]` connections, per connection (the figure the bench always printed). */
  atFirst: PerConnection;
  /** From the baseline to `counts[1]` connections, per connection. */
  atSecond: PerConnection;
  /** From `counts[0]` to `counts[1]` connections, per added connection: the marginal cost. */
  marginal: PerConnection;
  rssBytes: [before: number, atFirst: number, atSecond: number];
}

/**
 * How long the connections stay quiet before memory is read: longer than the broker's parser
 * idle time (5 s), and long enough for V8's memory reducer, which runs some 8 s after the
 * burst's last full collection, to give back the young generation and the old-space pages the
 * burst grew (measured: 126 MiB at 7 s, 91 MiB at 17 s, with 10,000 connections).
 */
export const IDLE_SECONDS = 20;

interface Memory {
  rss: number;
  young: number;
  heap: number;
}

/** The broker's memory after a full collection (Node brokers): resident, of which V8's young generation, and the JS heap in use. */
async function settledMemory(peer: MeasuredPeer): Promise<Memory> {
  const settled = await peer.settle();
  return { rss: rssBytes(peer.pid), young: settled.youngGenerationBytes, heap: settled.heapUsedBytes };
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
  return { rss: (to.rss - from.rss) / count, rssLessYoung: (to.rss - to.young - (from.rss - from.young)) / count, heap: (to.heap - from.heap) / count };
}

/**
 * Memory per idle connection, measured twice in one broker: with `counts[0]` idle MQTT clients,
 * then with `counts[1]`. The broker's resident memory (after a full collection for the Node
 * brokers) minus the baseline, per connection, at each count, and the slope between the two
 * counts (the marginal cost of one more connection). Each also less V8's young generation: a
 * pool of up to tens of MiB that V8 grows during the connection burst and gives back some
 * seconds later whatever the count, so that raw figures swing by that much from one reading to
 * the next (measured: lower at 18,000 connections than at 10,000). Mosquitto has none. A first
 * batch of the same clients warms the broker up (code compiled, pools grown) and is closed
 * before the baseline is read. The clients come from processes of their own.
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
    // The baseline in the state the readings are taken in: after the memory reducer gave back what the warm-up grew.
    await sleep(IDLE_SECONDS * 1000);
    const before = await settledMemory(peer);
    generators.push(await openInProcess({ port, count: first, concurrency: 100, tls: options.tls, prefix: 'idle' }));
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
