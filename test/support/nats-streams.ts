import pino from 'pino';
import type { MqcConfig } from '@mqc/config';
import { DurableStore } from '../../apps/broker/src/persistence/durable-store';

/** Deletes the NATS streams of a test's prefix once its brokers are closed: the shared NATS keeps no test's state. */
export async function deleteNatsStreams(config: MqcConfig): Promise<void> {
  const store = await DurableStore.open({ natsUrl: config.natsUrl, prefix: config.redisPrefix, replicas: 1, name: 'test-cleanup' }, pino({ enabled: false }));
  await store.deleteStreams();
  await store.close();
}
