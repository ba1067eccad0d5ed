import { databaseUrlOrExit, exitOnConfigError, loadConfig } from '@mqc/config';
import { onShutdownSignal, runApp } from '@mqc/observability';
import { startBroker } from './broker';

/** The broker process, once main.ts has lowered the thread pool's priority (`threads` reniced). */
export function runBroker(pool: { threads: number }): void {
  runApp('broker', async () => {
    const config = exitOnConfigError(() => loadConfig());
    const broker = await startBroker(config, databaseUrlOrExit(config));
    if (pool.threads > 0) broker.logger.info({ threads: pool.threads }, 'thread pool runs below the event loop (nice 10)');
    else broker.logger.warn('thread pool priority unchanged: slow hashes compete with the event loop as equals');
    onShutdownSignal(broker.logger, () => broker.close());
  });
}
