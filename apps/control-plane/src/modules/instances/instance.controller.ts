import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ANONYMOUS_POLICIES, BACKEND_FAILURE_POLICIES } from '@mqc/domain';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { createInstanceSchema, listInstancesSchema, updateInstanceSchema } from './instance.dto';
import { InstanceService } from './instance.service';

const accessPolicySchema = z.object({ anonymous: z.enum(ANONYMOUS_POLICIES), onBackendFailure: z.enum(BACKEND_FAILURE_POLICIES) }).strict();
const instanceId = new ResourceIdPipe('instance');

@Controller('v1/instances')
@UseGuards(ApiKeyGuard)
export class InstanceController {
  constructor(private readonly instances: InstanceService) {}

  @Post()
  @HttpCode(202)
  create(@TenantCaller() caller: TenantCallerInfo, @Body() body: unknown) {
    return this.instances.create(caller.tenantId, parseInput(createInstanceSchema, body), caller);
  }

  @Get()
  list(@TenantCaller() caller: TenantCallerInfo, @Query() query: unknown) {
    const { limit, cursor } = parseInput(listInstancesSchema, query);
    return this.instances.list(caller.tenantId, limit, cursor);
  }

  @Get(':id')
  get(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string) {
    return this.instances.get(caller.tenantId, id);
  }

  @Patch(':id')
  update(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.instances.update(caller.tenantId, id, parseInput(updateInstanceSchema, body), caller);
  }

  @Delete(':id')
  @HttpCode(202)
  delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string) {
    return this.instances.delete(caller.tenantId, id, caller);
  }

  @Put(':id/access-policy')
  setAccessPolicy(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.instances.setAccessPolicy(caller.tenantId, id, parseInput(accessPolicySchema, body), caller);
  }
}
