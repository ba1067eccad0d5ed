import { Body, Param, Query } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute, PutRoute } from '../../common/route';
import { TenantScopedController } from '../api-keys/api-key.guard';
import { accessPolicySchema, createInstanceSchema, instancePageSchema, instanceViewSchema, listInstancesSchema, updateInstanceSchema } from './instance.dto';
import { InstanceService } from './instance.service';

const instanceId = new ResourceIdPipe('instance');

@TenantScopedController('v1/instances')
export class InstanceController {
  constructor(private readonly instances: InstanceService) {}

  @PostRoute({
    summary: 'Create an instance: 202, provisioning is queued',
    description: 'An edition the operator has stopped selling is a 409 edition-not-available.',
    body: createInstanceSchema,
    response: instanceViewSchema,
    problems: [409, 422, 503],
    status: 202,
  })
  create(@TenantCaller() caller: TenantCallerInfo, @Body() body: unknown) {
    return this.instances.create(caller.tenantId, parseInput(createInstanceSchema, body), caller);
  }

  @GetRoute({ summary: 'List the tenant instances, oldest first', query: listInstancesSchema, response: instancePageSchema, problems: [400, 422] })
  list(@TenantCaller() caller: TenantCallerInfo, @Query() query: unknown) {
    const { limit, cursor } = parseInput(listInstancesSchema, query);
    return this.instances.list(caller.tenantId, limit, cursor);
  }

  @GetRoute(':id', { summary: 'Get an instance', response: instanceViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string) {
    return this.instances.get(caller.tenantId, id);
  }

  @PatchRoute(':id', {
    summary: 'Rename an instance or change its edition',
    description: "Upgrades always pass; a downgrade that would leave an enabled method or a quota above the target is a 409 edition-downgrade-blocked listing each blocker; where the deployment has a shared TLS endpoint, a change that adds or removes the instance's own ports (basic is served on the shared endpoint only) moves its endpoints: an upgrade allocates its ports (503 no-free-ports when the deployment has none left), a downgrade releases them and its node closes them (the shared endpoint keeps serving); a 409 instance-provisioning while it is still being provisioned.",
    body: updateInstanceSchema,
    response: instanceViewSchema,
    problems: [409, 422, 503],
  })
  update(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.instances.update(caller.tenantId, id, parseInput(updateInstanceSchema, body), caller);
  }

  @DeleteRoute(':id', { summary: 'Delete an instance: 202, status DELETING, deprovisioning is queued', response: instanceViewSchema, status: 202 })
  delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string) {
    return this.instances.delete(caller.tenantId, id, caller);
  }

  @PutRoute(':id/access-policy', { summary: 'Set the access policy (anonymous, onBackendFailure, and optionally authorization: noMatch, denyAction)', body: accessPolicySchema, response: instanceViewSchema, problems: [422] })
  setAccessPolicy(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.instances.setAccessPolicy(caller.tenantId, id, parseInput(accessPolicySchema, body), caller);
  }
}
