import { databaseUrlOrExit, exitOnConfigError, loadConfig } from '@mqc/config';
import { onShutdownSignal, runApp } from '@mqc/observability';
import { startControlPlane } from './control-plane';

runApp('control-plane', async () => {
  const config = exitOnConfigError(() => loadConfig());
  const controlPlane = await startControlPlane(config, databaseUrlOrExit(config));
  onShutdownSignal(controlPlane.logger, () => controlPlane.close());
});
