import type { Logger } from 'pino';

/**
 * SIGTERM/SIGINT: stop taking work, drain, exit 0. A second signal, or a drain that takes
 * longer than `graceMs`, exits at once with 1.
 */
export function onShutdownSignal(logger: Logger, drain: () => Promise<void>, graceMs = 15_000): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'draining');
    const timer = setTimeout(() => {
      logger.error('drain took too long; exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    drain()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'drain failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
