import { Param } from '@nestjs/common';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { TenantScopedController } from '../api-keys/api-key.guard';

/** A controller of what lives in a tenant's instance, at `v1/instances/:id/<path>`: the tenant's API key is required. */
export const InstanceScopedController = (path: string) => TenantScopedController(`v1/instances/:id/${path}`);

const instanceId = new ResourceIdPipe('instance');

/** The `:id` of the path; one that is not a UUID names no instance (404 instance-not-found). */
export const InstanceIdParam = () => Param('id', instanceId);
