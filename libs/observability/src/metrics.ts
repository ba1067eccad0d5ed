import { collectDefaultMetrics, Registry } from 'prom-client';

/** A Prometheus registry with the process metrics, labelled by app. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export { Counter, Gauge, Histogram, Registry } from 'prom-client';
