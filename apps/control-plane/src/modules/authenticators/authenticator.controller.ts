import { Body, Param } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute, PutRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import {
  authenticatorListSchema,
  authenticatorViewSchema,
  createAuthenticatorDocSchema,
  createAuthenticatorSchema,
  orderSchema,
  updateAuthenticatorSchema,
} from './authenticator.dto';
import { AuthenticatorService } from './authenticator.service';

const authenticatorId = new ResourceIdPipe('authenticator');

@InstanceScopedController('authenticators')
export class AuthenticatorController {
  constructor(private readonly authenticators: AuthenticatorService) {}

  @GetRoute({ summary: 'The chain, in order, with each authenticator metrics', response: authenticatorListSchema })
  async list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string) {
    return { items: await this.authenticators.list(caller.tenantId, id) };
  }

  @PostRoute({
    summary: 'Append an authenticator to the chain',
    description: 'Each type has its own configuration schema. A method outside the instance edition is a 403 method-not-in-edition naming requiredEdition.',
    body: createAuthenticatorDocSchema,
    response: authenticatorViewSchema,
    problems: [403, 409, 422],
  })
  create(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.authenticators.create(caller.tenantId, id, parseInput(createAuthenticatorSchema, body), caller);
  }

  // Declared before ':aid' so that "order" is not taken for an id.
  @PutRoute('order', { summary: 'Reorder the chain: ids lists every authenticator once', body: orderSchema, response: authenticatorListSchema, problems: [422] })
  async reorder(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return { items: await this.authenticators.reorder(caller.tenantId, id, parseInput(orderSchema, body).ids, caller) };
  }

  @GetRoute(':aid', { summary: 'One authenticator, with its metrics', response: authenticatorViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authenticatorId) aid: string) {
    return this.authenticators.get(caller.tenantId, id, aid);
  }

  @PatchRoute(':aid', {
    summary: 'Replace the configuration, enable or disable',
    description: 'config replaces the whole configuration; a secret sent back as ******** keeps the stored secret.',
    body: updateAuthenticatorSchema,
    response: authenticatorViewSchema,
    problems: [403, 422],
  })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authenticatorId) aid: string, @Body() body: unknown) {
    return this.authenticators.update(caller.tenantId, id, aid, parseInput(updateAuthenticatorSchema, body), caller);
  }

  @DeleteRoute(':aid', { summary: 'Remove an authenticator from the chain' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authenticatorId) aid: string) {
    await this.authenticators.delete(caller.tenantId, id, aid, caller);
  }
}
