import { databaseUrlOrExit, exitOnConfigError, loadConfig } from '@mqc/config';
import { onShutdownSignal, runApp } from '@mqc/observability';
import { startWorker } from './worker';

runApp('worker', async () => {
  const config = exitOnConfigError(() => loadConfig());
  const worker = await startWorker(config, databaseUrlOrExit(config));
  onShutdownSignal(worker.logger, () => worker.close());
});
