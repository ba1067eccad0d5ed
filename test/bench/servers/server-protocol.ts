/** Messages between the benchmark and its broker processes (over the fork IPC channel). */
export type ServerMessage = { type: 'ready'; port: number } | { type: 'cpu'; userMicros: number; systemMicros: number };
export type ControlMessage = { type: 'cpu' };

/** Answers CPU-usage requests: how much CPU the broker process has burnt so far. */
export function answerCpuRequests(): void {
  process.on('message', (message: ControlMessage) => {
    if (message.type !== 'cpu') return;
    const usage = process.cpuUsage();
    process.send?.({ type: 'cpu', userMicros: usage.user, systemMicros: usage.system } satisfies ServerMessage);
  });
  process.on('disconnect', () => process.exit(0));
}
