import { Controller, Header, Inject, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { OperatorGuard } from '../../common/operator.guard';
import { GetRoute } from '../../common/route';
import { METRICS, REDIS } from '../../common/tokens';

@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(METRICS) private readonly metrics: Registry,
  ) {}

  @GetRoute('healthz', { summary: 'Liveness', response: z.object({ status: z.literal('ok') }) })
  health() {
    return { status: 'ok' };
  }

  /** Ready when PostgreSQL and Redis both answer. */
  @GetRoute('readyz', { summary: 'Readiness: PostgreSQL and Redis answer', response: z.object({ status: z.string(), database: z.boolean(), redis: z.boolean() }), problems: [503] })
  async ready(@Res() response: Response): Promise<void> {
    const checks = await Promise.allSettled([this.dataSource.query('SELECT 1'), this.redis.ping()]);
    const ready = checks.every((c) => c.status === 'fulfilled');
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', database: checks[0]?.status === 'fulfilled', redis: checks[1]?.status === 'fulfilled' });
  }

  /** Not public: the operator's scraper sends the operator token. */
  @GetRoute('metrics', { summary: 'Prometheus metrics (operator token)', response: { contentType: 'text/plain', description: 'Prometheus text format' } })
  @UseGuards(OperatorGuard)
  @Header('content-type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.metrics();
  }
}
