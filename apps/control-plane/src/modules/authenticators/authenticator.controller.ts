import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../common/api-doc';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import {
  authenticatorListSchema,
  authenticatorViewSchema,
  createAuthenticatorDocSchema,
  createAuthenticatorSchema,
  orderSchema,
  updateAuthenticatorSchema,
} from './authenticator.dto';
import { AuthenticatorService } from './authenticator.service';

const instanceId = new ResourceIdPipe('instance');
const authenticatorId = new ResourceIdPipe('authenticator');

@Controller('v1/instances/:id/authenticators')
@UseGuards(ApiKeyGuard)
export class AuthenticatorController {
  constructor(private readonly authenticators: AuthenticatorService) {}

  @Get()
  @ApiDoc({ summary: 'The chain, in order, with each authenticator metrics', response: authenticatorListSchema })
  async list(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string) {
    return { items: await this.authenticators.list(caller.tenantId, id) };
  }

  @Post()
  @ApiDoc({
    summary: 'Append an authenticator to the chain',
    description: 'Each type has its own configuration schema. A method outside the instance edition is a 403 method-not-in-edition naming requiredEdition.',
    body: createAuthenticatorDocSchema,
    response: authenticatorViewSchema,
    problems: [403, 409, 422],
  })
  create(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.authenticators.create(caller.tenantId, id, parseInput(createAuthenticatorSchema, body), caller);
  }

  // Declared before ':aid' so that "order" is not taken for an id.
  @Put('order')
  @ApiDoc({ summary: 'Reorder the chain: ids lists every authenticator once', body: orderSchema, response: authenticatorListSchema, problems: [422] })
  async reorder(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return { items: await this.authenticators.reorder(caller.tenantId, id, parseInput(orderSchema, body).ids, caller) };
  }

  @Get(':aid')
  @ApiDoc({ summary: 'One authenticator, with its metrics', response: authenticatorViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('aid', authenticatorId) aid: string) {
    return this.authenticators.get(caller.tenantId, id, aid);
  }

  @Patch(':aid')
  @ApiDoc({
    summary: 'Replace the configuration, enable or disable',
    description: 'config replaces the whole configuration; a secret sent back as ******** keeps the stored secret.',
    body: updateAuthenticatorSchema,
    response: authenticatorViewSchema,
    problems: [403, 422],
  })
  update(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('aid', authenticatorId) aid: string, @Body() body: unknown) {
    return this.authenticators.update(caller.tenantId, id, aid, parseInput(updateAuthenticatorSchema, body), caller);
  }

  @Delete(':aid')
  @HttpCode(204)
  @ApiDoc({ summary: 'Remove an authenticator from the chain' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('aid', authenticatorId) aid: string) {
    await this.authenticators.delete(caller.tenantId, id, aid, caller);
  }
}
