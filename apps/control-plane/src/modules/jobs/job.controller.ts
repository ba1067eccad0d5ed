import { Param } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { GetRoute } from '../../common/route';
import { TenantScopedController } from '../api-keys/api-key.guard';
import { jobResultSchema, jobViewSchema } from './job.dto';
import { JobService } from './job.service';

@TenantScopedController('v1/jobs')
export class JobController {
  constructor(private readonly jobs: JobService) {}

  @GetRoute(':jobId', { summary: 'A job: state, progress, and the reason of a failure', response: jobViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @Param('jobId') jobId: string) {
    return this.jobs.get(caller.tenantId, jobId);
  }

  @GetRoute(':jobId/result', {
    summary: 'The result bundle of a finished job: certificates in request order, with the generated private keys',
    description: '409 job-not-finished while it runs, 409 job-failed when it failed.',
    response: jobResultSchema,
    problems: [409],
  })
  result(@TenantCaller() caller: TenantCallerInfo, @Param('jobId') jobId: string) {
    return this.jobs.result(caller.tenantId, jobId);
  }
}
