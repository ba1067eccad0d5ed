import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slowHashGate } from '@mqc/auth';
import type { MqcConfig } from '@mqc/config';
import { createLogger, createMetricsRegistry, type Logger } from '@mqc/observability';
import { ChangeBus, JobProducer, connectRedis } from '@mqc/queue';
import { AppModule } from './app.module';
import { ProblemFilter } from './common/problem.filter';

export interface ControlPlane {
  url: string;
  port: number;
  logger: Logger;
  close(): Promise<void>;
}

/** Connects Redis, opens the database (applying migrations) and serves the API. */
export async function startControlPlane(config: MqcConfig, databaseUrl: string, port = config.apiPort): Promise<ControlPlane> {
  const logger = createLogger('control-plane', config.logLevel);
  if (config.slowHashConcurrency) slowHashGate.setLimit(config.slowHashConcurrency);
  const redis = await connectRedis(config.redisUrl, 'mqc-control-plane');
  const changes = new ChangeBus(redis, config.redisPrefix);
  const jobs = new JobProducer(redis, config.redisPrefix);
  const metrics = createMetricsRegistry('control-plane');
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(
      AppModule.of({ config, databaseUrl, logger, redis, changes, jobs, metrics }),
      { logger: ['error', 'warn'], abortOnError: false, bodyParser: false },
    );
  } catch (error) {
    await jobs.close();
    redis.disconnect();
    throw error;
  }
  app.useBodyParser('json', {
    limit: '64mb',
    type: ['application/json', 'application/*+json'],
    // A user import reports problems by line: it needs the text the JSON came from.
    verify: (request: IncomingMessage & { rawBody?: Buffer }, _response: unknown, buffer: Buffer) => {
      if (request.url?.split('?')[0]?.endsWith('/users/import')) request.rawBody = buffer;
    },
  });
  app.useBodyParser('text', { limit: '64mb', type: ['text/csv', 'text/plain'] });
  app.useGlobalFilters(new ProblemFilter(logger));
  await app.listen(port, config.bindHost);
  const actualPort = (app.getHttpServer().address() as AddressInfo).port;
  logger.info({ port: actualPort }, 'control plane listening');
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    logger,
    async close() {
      await app.close();
      await jobs.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
