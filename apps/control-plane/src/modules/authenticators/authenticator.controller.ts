import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, UseGuards } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { createAuthenticatorSchema, orderSchema, updateAuthenticatorSchema } from './authenticator.dto';
import { AuthenticatorService } from './authenticator.service';

const instanceId = new ResourceIdPipe('instance');
const authenticatorId = new ResourceIdPipe('authenticator');

@Controller('v1/instances/:id/authenticators')
@UseGuards(ApiKeyGuard)
export class AuthenticatorController {
  constructor(private readonly authenticators: AuthenticatorService) {}

  @Get()
  async list(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string) {
    return { items: await this.authenticators.list(caller.tenantId, id) };
  }

  @Post()
  create(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.authenticators.create(caller.tenantId, id, parseInput(createAuthenticatorSchema, body), caller);
  }

  // Declared before ':aid' so that "order" is not taken for an id.
  @Put('order')
  async reorder(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return { items: await this.authenticators.reorder(caller.tenantId, id, parseInput(orderSchema, body).ids, caller) };
  }

  @Get(':aid')
  get(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('aid', authenticatorId) aid: string) {
    return this.authenticators.get(caller.tenantId, id, aid);
  }

  @Patch(':aid')
  update(
    @TenantCaller() caller: TenantCallerInfo,
    @Param('id', instanceId) id: string,
    @Param('aid', authenticatorId) aid: string,
    @Body() body: unknown,
  ) {
    return this.authenticators.update(caller.tenantId, id, aid, parseInput(updateAuthenticatorSchema, body), caller);
  }

  @Delete(':aid')
  @HttpCode(204)
  async delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('aid', authenticatorId) aid: string) {
    await this.authenticators.delete(caller.tenantId, id, aid, caller);
  }
}
