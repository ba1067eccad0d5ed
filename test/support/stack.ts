import type { MqcConfig } from '@mqc/config';
import { startBroker, type BrokerApp } from '../../apps/broker/src/broker';
import type { SupervisorOptions } from '../../apps/broker/src/node/instance-supervisor';
import { deleteNatsStreams } from './nats-streams';
import { startControlPlane, type ControlPlane } from '../../apps/control-plane/src/control-plane';
import { startWorker, type WorkerApp } from '../../apps/worker/src/worker';
import { ApiClient } from '@mqc/testing';
import { allowWhatNoRuleDecides } from './authorization';

export interface Stack {
  config: MqcConfig;
  controlPlane: ControlPlane;
  worker: WorkerApp;
  broker: BrokerApp;
  operator: ApiClient;
  close(): Promise<void>;
}

/**
 * The three apps, started in this process the way their main.ts starts them, against a real
 * database and Redis, on ephemeral ports. `broker` tunes the broker node (its resync interval).
 * New instances allow what no authorization rule decides (see allowWhatNoRuleDecides).
 */
export async function startStack(config: MqcConfig, databaseUrl: string, options: { broker?: SupervisorOptions } = {}): Promise<Stack> {
  const controlPlane = await startControlPlane(config, databaseUrl, 0);
  // After the control plane's migrations, before any instance exists.
  await allowWhatNoRuleDecides(databaseUrl);
  const broker = await startBroker(config, databaseUrl, 0, options.broker);
  const worker = await startWorker(config, databaseUrl, 0);
  return {
    config,
    controlPlane,
    worker,
    broker,
    operator: new ApiClient(controlPlane.url, config.operatorToken),
    async close() {
      await worker.close();
      await broker.close();
      await deleteNatsStreams(config);
      await controlPlane.close();
    },
  };
}
