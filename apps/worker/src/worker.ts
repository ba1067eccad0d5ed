import { Queue, UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { MqcConfig } from '@mqc/config';
import { createDataSource } from '@mqc/db';
import { SecretBox } from '@mqc/domain';
import { createLogger, createMetricsRegistry, startAdminServer, Counter, type Logger } from '@mqc/observability';
import { ChangeBus, QueueName, QUEUE_OF_JOB, connectRedis, type JobName, type JobPayloads } from '@mqc/queue';
import { InstanceEntity } from '@mqc/db';
import { DeprovisionInstanceJob } from './jobs/deprovision-instance.job';
import { FailOverInstancesJob } from './jobs/fail-over-instances.job';
import { IssueDeviceCertificatesJob } from './jobs/issue-device-certificates.job';
import { PermanentJobError, type JobContext } from './jobs/job-context';
import { ProvisionInstanceJob } from './jobs/provision-instance.job';
import { RenewServerCertificatesJob } from './jobs/renew-server-certificates.job';
import { ServingWatch } from './jobs/serving-watch';

export interface WorkerApp {
  adminPort: number;
  logger: Logger;
  close(): Promise<void>;
}

export interface WorkerOptionsOverride {
  /** The queues this process serves (default: all). */
  queues?: readonly QueueName[];
}

type Handlers = { [N in JobName]: (payload: JobPayloads[N], job: Job) => Promise<unknown> };

/** How often server certificates are checked for renewal. */
const RENEWAL_EVERY_MS = 3600_000;
/** How often dead broker nodes are looked for: a node is dead NODE_DEAD_MS after its last heartbeat, its instances move within a second more. */
const FAIL_OVER_EVERY_MS = 1_000;

/**
 * Per queue: provisioning mostly waits on broker nodes (128 at once: a job holds no connection
 * while it waits, and the port lock is held for one statement); issuing certificates is CPU
 * work (one job at a time per process, each on its own event loop). A short lock lets another
 * worker take over a job whose process died within seconds: the job resumes from its last
 * committed chunk.
 */
const QUEUE_SETTINGS: Readonly<Record<QueueName, Partial<WorkerOptions>>> = {
  [QueueName.Instances]: { concurrency: 128 },
  [QueueName.Certificates]: { concurrency: 1, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 },
  [QueueName.Nodes]: { concurrency: 1, lockDuration: 10_000, stalledInterval: 5_000 },
};

/** The BullMQ worker: one processor per queue, dispatching by job name to one class per job. */
export async function startWorker(config: MqcConfig, databaseUrl: string, adminPort = config.workerAdminPort, options: WorkerOptionsOverride = {}): Promise<WorkerApp> {
  const logger = createLogger('worker', config.logLevel);
  const redis = await connectRedis(config.redisUrl, 'mqc-worker');
  const dataSource = createDataSource({ url: databaseUrl, applicationName: 'mqc-worker', poolSize: 5 });
  await dataSource.initialize();
  const context: JobContext = { config, dataSource, changes: new ChangeBus(redis, config.redisPrefix), secrets: new SecretBox(config.masterKey), logger, redis, serving: new ServingWatch(dataSource) };
  const metrics = createMetricsRegistry('worker');
  const jobsDone = new Counter({ name: 'mqc_worker_jobs_total', help: 'jobs finished, by name and outcome', labelNames: ['name', 'outcome'], registers: [metrics] });
  const failedOver = new Counter({ name: 'mqc_worker_instances_failed_over_total', help: 'instances of dead broker nodes this worker placed on live nodes', registers: [metrics] });
  const handlers: Handlers = {
    'provision-instance': (p) => new ProvisionInstanceJob(context).run(p),
    'deprovision-instance': (p) => new DeprovisionInstanceJob(context).run(p),
    'issue-device-certificates': (p, job) =>
      new IssueDeviceCertificatesJob(context).run(p, {
        reportProgress: (progress) => job.updateProgress(progress),
        finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      }),
    'renew-server-certificates': (p) => new RenewServerCertificatesJob(context).run(p),
    'fail-over-instances': async (p) => failedOver.inc((await new FailOverInstancesJob(context).run(p)).length),
  };

  const processor = async (job: Job) => {
    const handler = handlers[job.name as JobName] as ((payload: unknown, job: Job) => Promise<unknown>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    try {
      await handler(job.data, job);
    } catch (error) {
      if (error instanceof PermanentJobError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };

  const served = options.queues ?? Object.values(QueueName);
  // A connection of its own per worker (BullMQ blocks on it), closed with the app.
  const connections = served.map(() => redis.duplicate());
  const workers = served.map((queue, i) => new Worker(queue, processor, { connection: connections[i]!, prefix: config.redisPrefix, ...QUEUE_SETTINGS[queue] }));
  for (const worker of workers) {
    worker.on('completed', (job) => jobsDone.inc({ name: job.name, outcome: 'completed' }));
    worker.on('failed', (job, error) => {
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
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  // Repeated jobs: one scheduler each for the deployment (upsert is idempotent across workers).
  const schedulers: Queue[] = [];
  const repeat = async (name: 'renew-server-certificates' | 'fail-over-instances', every: number, keepCompleted: number | true) => {
    if (!served.includes(QUEUE_OF_JOB[name])) return;
    const scheduler = new Queue(QUEUE_OF_JOB[name], { connection: redis, prefix: config.redisPrefix });
    schedulers.push(scheduler);
    await scheduler.upsertJobScheduler(name, { every }, { name, data: {}, opts: { removeOnComplete: keepCompleted, removeOnFail: 100 } });
  };
  await repeat('renew-server-certificates', RENEWAL_EVERY_MS, 100);
  // Every second: what it moved is logged; the completed runs are not kept.
  await repeat('fail-over-instances', FAIL_OVER_EVERY_MS, true);

  const admin = await startAdminServer({
    host: config.adminBindHost,
    port: adminPort,
    registry: metrics,
    ready: async () => workers.every((w) => w.isRunning()) && (await redis.ping()) === 'PONG' && dataSource.isInitialized,
  });
  logger.info({ adminPort: admin.port, queues: served }, 'worker running');

  return {
    adminPort: admin.port,
    logger,
    async close() {
      // Finishes the jobs in hand; the rest stay queued for the next worker.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(schedulers.map((s) => s.close()));
      await admin.close();
      await dataSource.destroy();
      await Promise.all([redis, ...connections].map((connection) => connection.quit().catch(() => connection.disconnect())));
    },
  };
}
