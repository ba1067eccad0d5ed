import type { MqcConfig } from '@mqc/config';
import { ChainMetrics, slowHashGate } from '@mqc/auth';
import { createDataSource } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { Gauge, createLogger, createMetricsRegistry, startAdminServer, type Logger } from '@mqc/observability';
import { ChangeBus, connectRedis } from '@mqc/queue';
import { InstanceSupervisor, type SupervisorOptions } from './node/instance-supervisor';
import { ChainMetricsReporter } from './node/chain-metrics-reporter';
import { NodeRegistry } from './node/node-registry';

export interface BrokerApp {
  nodeId: string;
  adminPort: number;
  logger: Logger;
  supervisor: InstanceSupervisor;
  close(): Promise<void>;
}

/** A broker node: registers itself, serves the instances placed on it, follows change events. */
export async function startBroker(config: MqcConfig, databaseUrl: string, adminPort = config.brokerAdminPort, options: SupervisorOptions = {}): Promise<BrokerApp> {
  const logger = createLogger('broker', config.logLevel);
  if (config.slowHashConcurrency) slowHashGate.setLimit(config.slowHashConcurrency);
  const redis = await connectRedis(config.redisUrl, 'mqc-broker');
  const dataSource = createDataSource({ url: databaseUrl, applicationName: 'mqc-broker', poolSize: 10 });
  await dataSource.initialize();

  const chainMetrics = new ChainMetrics();
  let nodeId = '';
  const supervisor = new InstanceSupervisor(
    dataSource,
    () => nodeId,
    { dataSource, secrets: new SecretBox(config.masterKey), logger, bindHost: config.bindHost, metrics: chainMetrics, outboundAllow: config.outboundAllow },
    logger,
    options,
  );
  const reporter = new ChainMetricsReporter(dataSource, chainMetrics, () => nodeId, logger);
  const registry = new NodeRegistry(dataSource, config.nodeName, () => supervisor.report(), () => reporter.flush());
  nodeId = await registry.register();

  const changes = new ChangeBus(redis, config.redisPrefix);
  const unsubscribe = await changes.subscribe((event) => supervisor.onChange(event));
  await supervisor.start();
  await registry.heartbeat();

  const metrics = createMetricsRegistry('broker');
  new Gauge({ name: 'mqc_broker_instances', help: 'instances served by this node', registers: [metrics], collect() { this.set(supervisor.servedCount); } });
  new Gauge({
    name: 'mqc_broker_clients',
    help: 'connected clients on this node',
    registers: [metrics],
    collect() {
      this.set(Object.values(supervisor.report()).reduce((sum, r) => sum + r.clients, 0));
    },
  });
  const admin = await startAdminServer({ host: config.adminBindHost, port: adminPort, registry: metrics, ready: () => dataSource.isInitialized });
  logger.info({ nodeId, name: config.nodeName, adminPort: admin.port }, 'broker node running');

  return {
    nodeId,
    adminPort: admin.port,
    logger,
    supervisor,
    async close() {
      await unsubscribe();
      await registry.deregister().catch(() => undefined);
      await supervisor.stop();
      await reporter.flush();
      await admin.close();
      await dataSource.destroy();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
