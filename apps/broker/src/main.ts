import { databaseUrlOrExit, exitOnConfigError, loadConfig } from '@mqc/config';
import { onShutdownSignal, runApp } from '@mqc/observability';
import { startBroker } from './broker';

runApp('broker', async () => {
  const config = exitOnConfigError(() => loadConfig());
  const broker = await startBroker(config, databaseUrlOrExit(config));
  onShutdownSignal(broker.logger, () => broker.close());
});
