import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../common/api-doc';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { jobResultSchema, jobViewSchema } from './job.dto';
import { JobService } from './job.service';

@Controller('v1/jobs')
@UseGuards(ApiKeyGuard)
export class JobController {
  constructor(private readonly jobs: JobService) {}

  @Get(':jobId')
  @ApiDoc({ summary: 'A job: state, progress, and the reason of a failure', response: jobViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @Param('jobId') jobId: string) {
    return this.jobs.get(caller.tenantId, jobId);
  }

  @Get(':jobId/result')
  @ApiDoc({
    summary: 'The result bundle of a finished job: certificates in request order, with the generated private keys',
    description: '409 job-not-finished while it runs, 409 job-failed when it failed.',
    response: jobResultSchema,
    problems: [409],
  })
  result(@TenantCaller() caller: TenantCallerInfo, @Param('jobId') jobId: string) {
    return this.jobs.result(caller.tenantId, jobId);
  }
}
