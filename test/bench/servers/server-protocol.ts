/** Messages between the benchmark and its broker processes (over the fork IPC channel). */
export type ServerMessage = { type: 'ready'; port: number; tlsPort?: number } | { type: 'cpu'; userMicros: number; systemMicros: number } | { type: 'settled'; heapUsedBytes: number };
/** `settle`: a full garbage collection (the process runs with --expose-gc), before memory is read; answered with the heap in use after it. */
export type ControlMessage = { type: 'cpu' } | { type: 'settle' };

/** Answers CPU-usage requests (how much CPU the broker process has burnt so far) and settle requests. */
export function answerCpuRequests(): void {
  process.on('message', (message: ControlMessage) => {
    if (message.type === 'settle') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({ type: 'settled', heapUsedBytes: process.memoryUsage().heapUsed } satisfies ServerMessage);
      return;
    }
    if (message.type !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', userMicros: usage.user, systemMicros: usage.system } satisfies ServerMessage);
  });
  process.on('disconnect', () => process.exit(0));
}
