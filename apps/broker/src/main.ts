import { databaseUrlOrExit, exitOnConfigError, loadConfig } from '@mqc/config';
import { onShutdownSignal, runApp } from '@mqc/observability';
import { startBroker } from './broker';
import { deprioritizeThreadPool } from './node/thread-pool-priority';

runApp('broker', async () => {
  // First, before anything starts the thread pool: slow hashes yield the CPU to the event loop.
  const pool = await deprioritizeThreadPool();
  const config = exitOnConfigError(() => loadConfig());
  const broker = await startBroker(config, databaseUrlOrExit(config));
  broker.logger.info({ threads: pool.threads }, pool.threads > 0 ? 'thread pool runs below the event loop (nice 10)' : 'thread pool priority unchanged');
  onShutdownSignal(broker.logger, () => broker.close());
});
