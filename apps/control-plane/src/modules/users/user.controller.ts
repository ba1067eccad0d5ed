import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { createUserSchema, listUsersSchema, updateUserSchema } from './user.dto';
import { UserService } from './user.service';

const instanceId = new ResourceIdPipe('instance');

@Controller('v1/instances/:id/users')
@UseGuards(ApiKeyGuard)
export class UserController {
  constructor(private readonly users: UserService) {}

  @Get()
  list(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Query() query: unknown) {
    const { limit, after } = parseInput(listUsersSchema, query);
    return this.users.list(caller.tenantId, id, limit, after);
  }

  @Post()
  create(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Body() body: unknown) {
    return this.users.create(caller.tenantId, id, parseInput(createUserSchema, body), caller);
  }

  @Get(':userId')
  get(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('userId') userId: string) {
    return this.users.get(caller.tenantId, id, userId);
  }

  @Patch(':userId')
  update(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('userId') userId: string, @Body() body: unknown) {
    return this.users.update(caller.tenantId, id, userId, parseInput(updateUserSchema, body), caller);
  }

  @Delete(':userId')
  @HttpCode(204)
  async delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', instanceId) id: string, @Param('userId') userId: string) {
    await this.users.delete(caller.tenantId, id, userId, caller);
  }
}
