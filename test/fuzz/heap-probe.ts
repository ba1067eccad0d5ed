/**
 * Preloaded into the fuzzed broker process (`node --expose-gc -r …/heap-probe.js`), nothing of
 * the broker's own: on SIGUSR2 it runs a full garbage collection and prints one log line with
 * the memory figures, so the fuzzer tells live memory from garbage not yet collected.
 */
import { getHeapStatistics } from 'node:v8';

/** The `msg` of the line the probe prints; BrokerWatch looks for it. */
export const HEAP_PROBE_MESSAGE = 'fuzz heap probe';

export interface HeapFigures {
  /** V8 heap in use after a full collection. */
  heapUsedBytes: number;
  /** Memory of Buffers and ArrayBuffers outside the V8 heap. */
  externalBytes: number;
  rssBytes: number;
}

function report(): void {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, external } = process.memoryUsage();
  const figures: HeapFigures = { heapUsedBytes: getHeapStatistics().used_heap_size, externalBytes: external, rssBytes: rss };
  process.stdout.write(`${JSON.stringify({ level: 30, msg: HEAP_PROBE_MESSAGE, ...figures })}\n`);
}

process.on('SIGUSR2', report);
