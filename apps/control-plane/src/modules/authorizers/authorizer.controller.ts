import { Body, Param } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute, PutRoute } from '../../common/route';
import { orderSchema } from '../authenticators/authenticator.dto';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { authorizerListSchema, authorizerViewSchema, createAuthorizerDocSchema, createAuthorizerSchema, updateAuthorizerSchema } from './authorizer.dto';
import { AuthorizerService } from './authorizer.service';
import type { AuthorizerType } from '@mqc/auth';

const authorizerId = new ResourceIdPipe('authorizer');

@InstanceScopedController('authorizers')
export class AuthorizerController {
  constructor(private readonly authorizers: AuthorizerService) {}

  @GetRoute({ summary: 'The authorization chain, in order, with each authorizer metrics', response: authorizerListSchema })
  async list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string) {
    return { items: await this.authorizers.list(caller.tenantId, id) };
  }

  @PostRoute({
    summary: 'Append an authorizer to the authorization chain',
    description:
      'built-in-database (the /acl-rules of the instance) is basic and up; client-info (the acl of a JWT or HTTP authentication) and http are professional and up: a 403 method-not-in-edition names requiredEdition.',
    body: createAuthorizerDocSchema,
    response: authorizerViewSchema,
    problems: [403, 409, 422],
  })
  create(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    const input = parseInput(createAuthorizerSchema, body);
    return this.authorizers.create(caller.tenantId, id, { ...input, type: input.type as AuthorizerType }, caller);
  }

  // Declared before ':aid' so that "order" is not taken for an id.
  @PutRoute('order', { summary: 'Reorder the authorization chain: ids lists every authorizer once', body: orderSchema, response: authorizerListSchema, problems: [422] })
  async reorder(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return { items: await this.authorizers.reorder(caller.tenantId, id, parseInput(orderSchema, body).ids, caller) };
  }

  @GetRoute(':aid', { summary: 'One authorizer, with its metrics', response: authorizerViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authorizerId) aid: string) {
    return this.authorizers.get(caller.tenantId, id, aid);
  }

  @PatchRoute(':aid', {
    summary: 'Replace the configuration, enable or disable',
    description: 'config replaces the whole configuration; a secret sent back as ******** keeps the stored secret.',
    body: updateAuthorizerSchema,
    response: authorizerViewSchema,
    problems: [403, 422],
  })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authorizerId) aid: string, @Body() body: unknown) {
    return this.authorizers.update(caller.tenantId, id, aid, parseInput(updateAuthorizerSchema, body), caller);
  }

  @DeleteRoute(':aid', { summary: 'Remove an authorizer from the authorization chain' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authorizerId) aid: string) {
    await this.authorizers.delete(caller.tenantId, id, aid, caller);
  }
}
