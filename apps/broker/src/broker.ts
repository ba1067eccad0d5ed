import type { MqcConfig } from '@mqc/config';
import { ChainMetrics, slowHashGate, type ThrottleCause } from '@mqc/auth';
import { createDataSource, relocateInstances } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { Counter, Gauge, createLogger, createMetricsRegistry, startAdminServer, type Logger } from '@mqc/observability';
import { ChangeBus, connectRedis } from '@mqc/queue';
import { answerInstanceRequests } from './node/instance-requests';
import { InstanceSupervisor, type SupervisorOptions } from './node/instance-supervisor';
import { ActivityFlusher } from './node/activity-flusher';
import { AuthorizerMetrics, reportAuthorizerMetrics } from './node/authorizer-metrics';
import { ChainMetricsReporter } from './node/chain-metrics-reporter';
import { ephemeralOverlap } from './node/ephemeral-ports';
import { FileDescriptorBudget, readOpenFileLimit } from './node/file-descriptors';
import { NodeRegistry } from './node/node-registry';
import { openSharedTlsListener, SharedTlsRoutes } from './listeners/shared-tls-listener';
import { INSTANCE_USAGE_FIELDS } from './protocol/instance-broker';
import { REFUSAL_REASONS } from './protocol/refusal-counters';
import { DurableStore } from './persistence/durable-store';

export interface BrokerApp {
  nodeId: string;
  /** Issue 14: the node's durable store (loadInstanceState, purgeInstance). */
  store: DurableStore;
  adminPort: number;
  logger: Logger;
  supervisor: InstanceSupervisor;
  close(): Promise<void>;
}

/** A broker node: registers itself, serves the instances placed on it, follows change events. */
export async function startBroker(config: MqcConfig, databaseUrl: string, adminPort = config.brokerAdminPort, options: SupervisorOptions = {}): Promise<BrokerApp> {
  const logger = createLogger('broker', config.logLevel);
  const ephemeral = await ephemeralOverlap(config.brokerPorts);
  if (ephemeral) {
    logger.warn(
      { brokerPorts: config.brokerPorts, ...ephemeral },
      "MQC_BROKER_PORTS overlaps the kernel's ephemeral port range (net.ipv4.ip_local_port_range): outgoing connections may take an instance's port; move one of them",
    );
  }
  if (config.slowHashConcurrency) slowHashGate.setLimit(config.slowHashConcurrency);
  const fileDescriptors = new FileDescriptorBudget({ limit: readOpenFileLimit(), reserve: config.fdReserve });
  fileDescriptors.recount();
  const recountDescriptors = setInterval(() => fileDescriptors.recount(), 1_000);
  recountDescriptors.unref();
  if (fileDescriptors.limit === undefined) logger.warn('the open-file limit (RLIMIT_NOFILE) cannot be read: CONNECTs are not kept below it');
  else logger.info({ limit: fileDescriptors.limit, reserve: fileDescriptors.reserve, inUse: fileDescriptors.inUse }, 'open-file limit');
  const redis = await connectRedis(config.redisUrl, 'mqc-broker');
  // Issue 14: sessions, queues and retained messages are durable on NATS JetStream.
  const store = await DurableStore.open({ natsUrl: config.natsUrl, prefix: config.redisPrefix, replicas: config.natsReplicas, name: `mqc-broker-${config.nodeName}` }, logger).catch(async (error: unknown) => {
    await redis.quit().catch(() => redis.disconnect());
    throw error;
  });
  const dataSource = createDataSource({ url: databaseUrl, applicationName: 'mqc-broker', poolSize: 10 });
  await dataSource.initialize();

  const chainMetrics = new ChainMetrics();
  const authorizerMetrics = new AuthorizerMetrics();
  const metrics = createMetricsRegistry('broker');
  const throttled = new Counter({ name: 'mqc_broker_connects_throttled_total', help: 'CONNECTs refused by the failed-CONNECT throttle before the chain ran, by cause (blocked: too many failures; busy: too many at once)', labelNames: ['cause'], registers: [metrics] });
  // MQC_SHARED_TLS_PORT: one TLS port for every instance of the node, routed by server name.
  const sharedTls = config.sharedTlsPort !== undefined && config.publicDomain ? new SharedTlsRoutes(config.publicDomain, config.sharedTlsContexts) : undefined;
  const sharedTlsListener = sharedTls
    ? await openSharedTlsListener(sharedTls, {
        host: config.bindHost,
        port: config.sharedTlsPort!,
        onError: (error) => logger.warn({ err: error, port: config.sharedTlsPort }, 'shared TLS listener error'),
      })
    : undefined;
  let nodeId = '';
  const hostDeps = { dataSource, secrets: new SecretBox(config.masterKey), logger, bindHost: config.bindHost, metrics: chainMetrics, authorizerMetrics, outboundAllow: config.outboundAllow, onThrottled: (cause: ThrottleCause) => throttled.inc({ cause }), store, fileDescriptors, sharedTls };
  const supervisor = new InstanceSupervisor(dataSource, () => nodeId, hostDeps, logger, options);
  const reporter = new ChainMetricsReporter(dataSource, chainMetrics, () => nodeId, logger);
  const flushMetrics = async () => {
    await reporter.flush();
    await reportAuthorizerMetrics(dataSource, authorizerMetrics, nodeId, logger);
  };
  const registry = new NodeRegistry(dataSource, config.nodeName, () => supervisor.report(), flushMetrics);
  nodeId = await registry.register();

  const changes = new ChangeBus(redis, config.redisPrefix);
  const unsubscribe = await changes.subscribe((event) => supervisor.onChange(event));
  const stopAnswering = await answerInstanceRequests(redis, config.redisPrefix, supervisor, hostDeps, (error) => logger.error({ err: error }, 'could not answer a request about an instance'));
  await supervisor.start();
  await registry.heartbeat();
  const activity = new ActivityFlusher(redis, config.redisPrefix, () => supervisor.served(), logger);
  activity.start();

  new Gauge({ name: 'mqc_broker_instances', help: 'instances served by this node', registers: [metrics], collect() { this.set(supervisor.servedCount); } });
  new Gauge({
    name: 'mqc_broker_clients',
    help: 'connected clients on this node',
    registers: [metrics],
    collect() {
      this.set(supervisor.clients);
    },
  });
  new Counter({
    name: 'mqc_broker_refused_total',
    help: 'requests refused and messages dropped to keep an instance within its limits, by instance and reason',
    labelNames: ['instance', 'reason'],
    registers: [metrics],
    collect() {
      // The instances keep the totals; an instance that left this node leaves the metric.
      this.reset();
      for (const [instance, counts] of Object.entries(supervisor.refusals())) {
        for (const reason of REFUSAL_REASONS) this.inc({ instance, reason }, counts[reason]);
      }
    },
  });
  new Gauge({
    name: 'mqc_broker_instance_usage',
    help: 'what an instance holds in memory on this node, by instance and what: connections, sessions, queued and in-flight messages, queued bytes, retained messages and bytes, subscriptions',
    labelNames: ['instance', 'what'],
    registers: [metrics],
    collect() {
      this.reset();
      for (const [instance, usage] of Object.entries(supervisor.usage())) {
        for (const what of INSTANCE_USAGE_FIELDS) this.set({ instance, what }, usage[what]);
      }
    },
  });
  /** Places this node's instances on live nodes; without one they stay placed here and wait (for a node, or this one's restart). */
  const handOver = async () => {
    const moved = await relocateInstances(dataSource.manager, nodeId);
    for (const move of moved) await changes.publish({ kind: 'instance', instanceId: move.instanceId });
    logger.info({ movedInstances: moved.length }, 'draining: instances handed over to live nodes');
  };
  new Gauge({
    name: 'mqc_broker_fd_headroom',
    help: 'client connections this node may still admit before the open-file reserve (RLIMIT_NOFILE less MQC_FD_RESERVE less descriptors in use); absent when the limit is unknown',
    registers: [metrics],
    collect() {
      const headroom = fileDescriptors.headroom;
      if (headroom !== undefined) this.set(headroom);
    },
  });
  if (sharedTls) {
    new Gauge({ name: 'mqc_broker_shared_tls_contexts', help: 'secure contexts the shared TLS endpoint keeps (one per recently connected instance, at most MQC_SHARED_TLS_CONTEXTS)', registers: [metrics], collect() { this.set(sharedTls.contextsKept); } });
    new Counter({ name: 'mqc_broker_shared_tls_contexts_built_total', help: 'secure contexts the shared TLS endpoint made (an instance\'s first handshake, after an eviction or a change of its TLS)', registers: [metrics], collect() { this.reset(); this.inc(sharedTls.contextsBuilt); } });
    new Counter({ name: 'mqc_broker_shared_tls_contexts_evicted_total', help: 'secure contexts the shared TLS endpoint dropped, least recently used first, to stay within MQC_SHARED_TLS_CONTEXTS', registers: [metrics], collect() { this.reset(); this.inc(sharedTls.contextsEvicted); } });
  }
  new Gauge({ name: 'mqc_broker_fd_limit', help: 'the open-file limit (RLIMIT_NOFILE) of this node', registers: [metrics], collect() { if (fileDescriptors.limit !== undefined) this.set(fileDescriptors.limit); } });
  new Counter({ name: 'mqc_broker_connects_refused_fd_total', help: 'CONNECTs refused with 0x97 because the node was at its open-file limit less the reserve', registers: [metrics], collect() { this.reset(); this.inc(fileDescriptors.refused); } });
  const admin = await startAdminServer({ host: config.adminBindHost, port: adminPort, registry: metrics, ready: () => dataSource.isInitialized });
  logger.info({ nodeId, name: config.nodeName, adminPort: admin.port, sharedTlsPort: sharedTlsListener?.port }, 'broker node running');

  return {
    nodeId,
    store,
    adminPort: admin.port,
    logger,
    supervisor,
    async close() {
      clearInterval(recountDescriptors);
      await unsubscribe();
      await stopAnswering();
      // Draining: no new instances come here; each instance is closed (what it holds written
      // out), then placed on a live node, which a change event tells to serve it at once. The
      // node heartbeats until then, so the fail-over job leaves its instances to it.
      await registry.drain().catch(() => undefined);
      await supervisor.stop();
      await handOver().catch((error: unknown) => logger.error({ err: error }, 'could not hand the instances over; the fail-over job moves them'));
      await registry.deregister().catch(() => undefined);
      await activity.stop();
      await store.close();
      await sharedTlsListener?.close();
      await flushMetrics();
      await admin.close();
      await dataSource.destroy();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
