import { getHeapSpaceStatistics } from 'node:v8';

/** Messages between the benchmark and its broker processes (over the fork IPC channel). */
export type ServerMessage = { type: 'ready'; port: number; tlsPort?: number } | { type: 'cpu'; userMicros: number; systemMicros: number } | ({ type: 'settled' } & SettledMemory);
/** A broker's memory after a full collection: the JS heap in use, and V8's young generation (committed). */
export interface SettledMemory {
  heapUsedBytes: number;
  /**
   * The new space's committed bytes: a pool V8 grows during any burst of allocation (to tens
   * of MiB) and gives back some seconds later, whatever the number of connections.
   */
  youngGenerationBytes: number;
}

/** `settle`: a full garbage collection (the process runs with --expose-gc), before memory is read; answered with the heap in use after it. */
export type ControlMessage = { type: 'cpu' } | { type: 'settle' };

/** How long after the collection memory is read. */
const SETTLE_MS = 500;

/** Answers CPU-usage requests (how much CPU the broker process has burnt so far) and settle requests. */
export function answerCpuRequests(): void {
  process.on('message', (message: ControlMessage) => {
    if (message.type === 'settle') {
      (globalThis as { gc?: () => void }).gc?.();
      // Answered once the collection's freed pages have left the resident set; the young generation read then, with the resident memory the bench reads.
      setTimeout(() => {
        const youngGenerationBytes = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0;
        process.send?.({ type: 'settled', heapUsedBytes: process.memoryUsage().heapUsed, youngGenerationBytes } satisfies ServerMessage);
      }, SETTLE_MS);
      return;
    }
    if (message.type !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', userMicros: usage.user, systemMicros: usage.system } satisfies ServerMessage);
  });
  process.on('disconnect', () => process.exit(0));
}
