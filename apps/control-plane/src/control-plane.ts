import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { AddressInfo } from 'node:net';
import { slowHashGate } from '@mqc/auth';
import type { MqcConfig } from '@mqc/config';
import { createLogger, createMetricsRegistry, type Logger } from '@mqc/observability';
import { ChangeBus, JobProducer, connectRedis } from '@mqc/queue';
import { AppModule } from './app.module';
import { serveConsole } from './common/console-static';
import { ProblemFilter } from './common/problem.filter';
import { RequestBodyInterceptor } from './common/request-body.interceptor';
import { TextInputPipe } from './common/text-input.pipe';

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
  // Bodies are read by RequestBodyInterceptor, after the guards have authenticated the caller.
  app.useGlobalInterceptors(new RequestBodyInterceptor());
  app.useGlobalPipes(new TextInputPipe());
  // Responses of /v1 carry secrets (API keys, device keys, the private keys of a job result):
  // no cache keeps any of them.
  app.use('/v1', (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('cache-control', 'no-store');
    next();
  });
  app.useGlobalFilters(new ProblemFilter(logger));
  serveConsole(app);
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
