/** Errors whose message alone tells the operator what to do: printed as one line. */
const ONE_LINE_ERRORS = new Set(['ConfigError', 'RedisUnreachableError', 'DatabaseUnreachableError', 'NatsUnreachableError']);

/** Runs an app's start; a failure to start prints one line (or the stack, when unexpected) and exits 1. */
export function runApp(app: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    const oneLine = error instanceof Error && (ONE_LINE_ERRORS.has(error.name) || isConnectionRefused(error));
    process.stderr.write(`MQC ${app}: ${oneLine ? (error as Error).message : error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

function isConnectionRefused(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT';
}
