import type { InstanceUsage, RssFigures } from './broker-watch';
import type { HeapFigures } from './heap-probe';
import type { FuzzStack } from './fuzz-stack';
import { emptyCounters, runTraffic, type TrafficCounters } from './fuzz-traffic';
import { RoundTripProbe, type RoundTripFigures } from './round-trip-probe';

export interface FuzzOptions {
  seed: number;
  packets: number;
  /** Raw TCP connections open at once. */
  concurrency: number;
  /** Fail when the broker's resident memory ever exceeds this (bytes); unset: reported only. */
  maxRssBytes?: number;
  /** Fail when, after the fuzzed instance is deleted, the broker's heap (after a full GC) exceeds its size before the run by more than this (bytes). */
  maxHeapGrowthBytes?: number;
  progress?: (line: string) => void;
}

export interface FuzzReport {
  options: FuzzOptions;
  seconds: number;
  traffic: TrafficCounters;
  /** How the broker process ended during the run (undefined: it did not). */
  crash: string | undefined;
  healthChecks: number;
  healthFailures: number;
  errorLines: number;
  unhandledErrors: number;
  warnLines: number;
  /** The first lines of each kind, for the report. */
  sampleErrorLines: string[];
  rss: RssFigures;
  memory: MemoryFigures;
  witness: RoundTripFigures;
  /** A new client of the fuzzed instance made a round trip after the run. */
  targetServesAfter: boolean;
}

/**
 * Where the broker's memory is: the heap after a full GC before the run, at its end (with what the
 * fuzzed instance then holds) and once the fuzzed instance is deleted. Legitimate state (sessions,
 * queues, retained messages) goes with the instance; what stays after it is gone is a leak.
 */
export interface MemoryFigures {
  before: HeapFigures;
  end: HeapFigures;
  /** What the fuzzed instance held at the end (undefined: the broker did not say). */
  targetUsage: InstanceUsage | undefined;
  /** After the fuzzed instance was deleted (undefined: the broker was gone). */
  afterDelete: HeapFigures | undefined;
}

const SAMPLE_EVERY_MS = 500;
const USAGE_EVERY_MS = 2_000;
const CLOSE_FLUSH_SETTLE_MS = 5_000;
const ROUND_TRIP_PAUSE_MS = 50;

/** One round trip through a fresh client of an instance: does it still serve? */
async function servesRoundTrip(port: number, clientId: string): Promise<boolean> {
  try {
    const probe = await RoundTripProbe.connect(port, clientId);
    const ok = await probe.roundTrip(1);
    await probe.stop();
    return ok;
  } catch {
    return false;
  }
}

/**
 * Fuzzes the stack's target instance while a client of its witness instance keeps making
 * round trips, watching the broker process throughout; returns the figures (see failedChecks).
 */
export async function runFuzz(stack: FuzzStack, options: FuzzOptions): Promise<FuzzReport> {
  const { broker } = stack;
  if (!(await servesRoundTrip(stack.target.port, 'fuzz-target-before'))) throw new Error('the fuzzed instance does not serve a client before the run');
  const witness = await RoundTripProbe.connect(stack.witness.port, 'fuzz-witness');
  const before = await broker.heapAfterGc();
  witness.startLoop(ROUND_TRIP_PAUSE_MS);
  broker.startSampling(SAMPLE_EVERY_MS);
  let usage: InstanceUsage | undefined;
  const usagePoll = setInterval(() => void broker.instanceUsage(stack.target.id).then((u) => (usage = u), () => undefined), USAGE_EVERY_MS);
  const started = performance.now();
  const traffic = emptyCounters();
  let witnessFigures: RoundTripFigures;
  try {
    await runTraffic({ port: stack.target.port, seed: options.seed, packets: options.packets, concurrency: options.concurrency, keepGoing: () => broker.alive }, traffic, (t) =>
      options.progress?.(`${n(t.packets)} packets, ${n(t.connections)} connections, RSS ${mib(broker.rss.endBytes)}${usage ? `; fuzzed instance: ${formatUsage(usage)}` : ''}`),
    );
  } finally {
    clearInterval(usagePoll);
    witnessFigures = await witness.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const targetServesAfter = broker.alive && (await servesRoundTrip(stack.target.port, 'fuzz-target-after'));
  broker.sampleRss();
  await broker.checkHealth();
  const memory = await memoryFigures(stack, before);
  return {
    options,
    seconds,
    traffic,
    crash: broker.exit ? `exited with ${broker.exit.signal ?? `code ${broker.exit.code}`}` : undefined,
    healthChecks: broker.healthChecks,
    healthFailures: broker.healthFailures,
    errorLines: broker.errorLineCount,
    unhandledErrors: broker.unhandledCount,
    warnLines: broker.trouble.warnLines,
    sampleErrorLines: [...broker.trouble.unhandledLines, ...broker.trouble.errorLines].slice(0, 20),
    rss: { ...broker.rss },
    memory,
    witness: witnessFigures,
    targetServesAfter,
  };
}

/** The heap and the fuzzed instance's state at the end, then the heap once that instance is deleted. */
async function memoryFigures(stack: FuzzStack, before: HeapFigures): Promise<MemoryFigures> {
  const { broker } = stack;
  if (!broker.alive) return { before, end: before, targetUsage: undefined, afterDelete: undefined };
  const targetUsage = await broker.instanceUsage(stack.target.id).catch(() => undefined);
  const end = await broker.heapAfterGc();
  await stack.deleteTarget();
  // The broker destroys a socket it closed 2 s later (a flush timer that holds the connection and, through its listeners, its instance).
  await new Promise((resolve) => setTimeout(resolve, CLOSE_FLUSH_SETTLE_MS));
  const afterDelete = broker.alive ? await broker.heapAfterGc() : undefined;
  return { before, end, targetUsage, afterDelete };
}

/** The checks a run must pass; each failed one as a sentence. */
export function failedChecks(report: FuzzReport): string[] {
  const failed: string[] = [];
  if (report.crash) failed.push(`the broker process ${report.crash}`);
  if (report.healthFailures > 0) failed.push(`${report.healthFailures} of ${report.healthChecks} /healthz requests failed`);
  if (report.unhandledErrors > 0) failed.push(`${report.unhandledErrors} uncaught or unhandled errors`);
  if (report.errorLines > 0) failed.push(`${report.errorLines} error-level or stderr lines from the broker`);
  if (report.witness.failed > 0 || report.witness.disconnects > 0 || report.witness.ok === 0)
    failed.push(`the other instance's client: ${report.witness.ok} round trips ok, ${report.witness.failed} failed, ${report.witness.disconnects} disconnects`);
  if (!report.targetServesAfter) failed.push('the fuzzed instance no longer serves a new client');
  if (report.options.maxRssBytes !== undefined && report.rss.maxBytes > report.options.maxRssBytes) failed.push(`broker RSS reached ${mib(report.rss.maxBytes)}, above ${mib(report.options.maxRssBytes)}`);
  const { before, afterDelete } = report.memory;
  if (afterDelete === undefined) failed.push('the broker did not report its heap after the fuzzed instance was deleted');
  else if (report.options.maxHeapGrowthBytes !== undefined && afterDelete.heapUsedBytes - before.heapUsedBytes > report.options.maxHeapGrowthBytes)
    failed.push(`the broker's heap after the fuzzed instance was deleted is ${mib(afterDelete.heapUsedBytes)}, more than ${mib(report.options.maxHeapGrowthBytes)} above the ${mib(before.heapUsedBytes)} before the run`);
  if (report.traffic.packets < report.options.packets) failed.push(`only ${report.traffic.packets} of ${report.options.packets} packets were sent`);
  return failed;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

const n = (value: number) => value.toLocaleString('en-US');

/** `1,234 sessions, 56,789 queued messages (12 MiB), …`. */
function formatUsage(usage: InstanceUsage): string {
  const count = (what: string) => n(usage[what] ?? 0);
  return [
    `${count('connections')} connections`,
    `${count('sessions')} sessions`,
    `${count('queuedMessages')} queued messages (${mib(usage['queuedBytes'] ?? 0)})`,
    `${count('inflightMessages')} in flight`,
    `${count('retainedMessages')} retained (${mib(usage['retainedBytes'] ?? 0)})`,
    `${count('subscriptions')} subscriptions`,
  ].join(', ');
}

function formatHeap(heap: HeapFigures): string {
  return `heap ${mib(heap.heapUsedBytes)}, external ${mib(heap.externalBytes)}, RSS ${mib(heap.rssBytes)}`;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** `closed: 3,284, connack 0x00: 306`: most frequent first. */
function tally(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([what, count]) => `${what}: ${n(count)}`).join(', ');
}

export function formatReport(report: FuzzReport): string {
  const t = report.traffic;
  const lines = [
    `seed ${report.options.seed}, ${n(report.options.packets)} packets requested, ${report.options.concurrency} connections at a time, ${report.seconds.toFixed(0)} s`,
    `packets sent: ${n(t.packets)} (${n(t.perVersion['3.1.1'])} MQTT 3.1.1, ${n(t.perVersion['5.0'])} MQTT 5.0; ${n(t.mutated)} mutated)`,
    `  per type: ${Object.entries(t.perKind).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`,
    `  per mutation: ${Object.entries(t.perMutation).map(([k, v]) => `${k} ${n(v)}`).join(', ')}`,
    `connections: ${n(t.connections)} (${n(t.accepted)} after an accepted CONNECT, ${n(sum(t.enhancedAuthAnswers))} after a SCRAM CONNECT, ${n(t.fuzzedFirst)} fuzzed from the first packet; ${n(t.closedByBroker)} closed by the broker before the fuzzer was done; ${n(t.connectErrors)} could not connect)`,
    `  valid CONNECTs not accepted: ${tally(t.notAccepted)}`,
    `  SCRAM CONNECTs answered with: ${tally(t.enhancedAuthAnswers)}`,
    `  fuzzed-first connections answered first with: ${tally(t.firstAnswers)}`,
    `broker crashes: ${report.crash ? `1 (${report.crash})` : 0}; /healthz: ${n(report.healthChecks - report.healthFailures)} of ${n(report.healthChecks)} ok`,
    `unhandled errors: ${report.unhandledErrors}; error-level or stderr lines: ${report.errorLines}; warnings: ${report.warnLines}`,
    `broker RSS: start ${mib(report.rss.startBytes)}, max ${mib(report.rss.maxBytes)}, end ${mib(report.rss.endBytes)}`,
    `fuzzed instance at the end: ${report.memory.targetUsage ? formatUsage(report.memory.targetUsage) : 'not reported'}`,
    `broker memory after a full GC: before the run ${formatHeap(report.memory.before)}; at the end ${formatHeap(report.memory.end)}; after deleting the fuzzed instance ${report.memory.afterDelete ? formatHeap(report.memory.afterDelete) : 'not reported'}`,
    `other instance's client: ${n(report.witness.ok)} round trips ok, ${report.witness.failed} failed, ${report.witness.disconnects} disconnects, max round trip ${report.witness.maxLatencyMs.toFixed(0)} ms`,
    `fuzzed instance serves a new client afterwards: ${report.targetServesAfter ? 'yes' : 'NO'}`,
    ...report.sampleErrorLines.map((line) => `  broker: ${line}`),
  ];
  return lines.join('\n');
}
