import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { MqcConfig } from '@mqc/config';
import { createDataSource } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { createLogger, createMetricsRegistry, startAdminServer, Counter, type Logger } from '@mqc/observability';
import { ChangeBus, QueueName, connectRedis, type JobName, type JobPayloads } from '@mqc/queue';
import { InstanceEntity } from '@mqc/db';
import { DeprovisionInstanceJob } from './jobs/deprovision-instance.job';
import { PermanentJobError, type JobContext } from './jobs/job-context';
import { ProvisionInstanceJob } from './jobs/provision-instance.job';

export interface WorkerApp {
  adminPort: number;
  logger: Logger;
  close(): Promise<void>;
}

type Handlers = { [N in JobName]: (payload: JobPayloads[N]) => Promise<void> };

/** The BullMQ worker: one processor per queue, dispatching by job name to one class per job. */
export async function startWorker(config: MqcConfig, databaseUrl: string, adminPort = config.workerAdminPort): Promise<WorkerApp> {
  const logger = createLogger('worker', config.logLevel);
  const redis = await connectRedis(config.redisUrl, 'mqc-worker');
  const dataSource = createDataSource({ url: databaseUrl, applicationName: 'mqc-worker', poolSize: 5 });
  await dataSource.initialize();
  const context: JobContext = { config, dataSource, changes: new ChangeBus(redis, config.redisPrefix), secrets: new SecretBox(config.masterKey), logger };
  const handlers: Handlers = {
    'provision-instance': (p) => new ProvisionInstanceJob(context).run(p),
    'deprovision-instance': (p) => new DeprovisionInstanceJob(context).run(p),
  };

  const metrics = createMetricsRegistry('worker');
  const jobsDone = new Counter({ name: 'mqc_worker_jobs_total', help: 'jobs finished, by name and outcome', labelNames: ['name', 'outcome'], registers: [metrics] });

  const instancesWorker = new Worker(
    QueueName.Instances,
    async (job: Job) => {
      const handler = handlers[job.name as JobName] as ((payload: unknown) => Promise<void>) | undefined;
      if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
      try {
        await handler(job.data);
      } catch (error) {
        if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    { connection: redis.duplicate(), prefix: config.redisPrefix, concurrency: 4 },
  );
  instancesWorker.on('completed', (job) => jobsDone.inc({ name: job.name, outcome: 'completed' }));
  instancesWorker.on('failed', (job, error) => {
    if (!job) return;
    logger.warn({ job: job.name, id: job.id, attempt: job.attemptsMade, err: error.message }, 'job attempt failed');
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) return;
    jobsDone.inc({ name: job.name, outcome: 'failed' });
    if (job.name === 'provision-instance') {
      const { instanceId } = job.data as JobPayloads['provision-instance'];
      void dataSource
        .getRepository(InstanceEntity)
        .update({ id: instanceId, status: 'PROVISIONING' }, { status: 'FAILED', statusReason: error.message })
        .then(() => context.changes.publish({ kind: 'instance', instanceId }))
        .catch((e: unknown) => logger.error({ err: e }, 'could not mark the instance FAILED'));
    }
  });
  await instancesWorker.waitUntilReady();

  const admin = await startAdminServer({
    host: config.bindHost,
    port: adminPort,
    registry: metrics,
    ready: async () => instancesWorker.isRunning() && (await redis.ping()) === 'PONG' && dataSource.isInitialized,
  });
  logger.info({ adminPort: admin.port }, 'worker running');

  return {
    adminPort: admin.port,
    logger,
    async close() {
      // Finishes the jobs in hand; the rest stay queued for the next worker.
      await instancesWorker.close();
      await admin.close();
      await dataSource.destroy();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
