import { Body, Param, Query, Req } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { ClientGoneSignal } from '../../common/client-gone';
import { parseInput } from '../../common/parse-input';
import { IMPORT_BODY_LIMIT } from '../../common/request-body';
import { BodyLimit, type RequestWithBody } from '../../common/request-body.interceptor';
import { DeleteRoute, GetRoute, PatchRoute, PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import {
  createUserSchema,
  importCsvSchema,
  importJsonSchema,
  importQuerySchema,
  importResultSchema,
  listUsersSchema,
  updateUserSchema,
  userPageSchema,
  userViewSchema,
} from './user.dto';
import { UserImportService } from './user-import.service';
import { UserService } from './user.service';


@InstanceScopedController('users')
export class UserController {
  constructor(
    private readonly users: UserService,
    private readonly imports: UserImportService,
  ) {}

  @GetRoute({ summary: 'List the built-in users, by user id', query: listUsersSchema, response: userPageSchema, problems: [422] })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    const { limit, after } = parseInput(listUsersSchema, query);
    return this.users.list(caller.tenantId, id, limit, after);
  }

  @PostRoute({ summary: 'Create a built-in user (the password is hashed, never returned)', body: createUserSchema, response: userViewSchema, problems: [409, 422] })
  create(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.users.create(caller.tenantId, id, parseInput(createUserSchema, body), caller);
  }

  // Declared before ':userId' routes; POST has no ':userId' route, but keep the order explicit.
  @PostRoute('import', {
    summary: 'Import users from CSV or JSON, all or nothing',
    description: 'type=plain hashes each password with the instance algorithm; type=hash stores the given hashes. A bad row is a 422 listing {line, field, message}; nothing is written.',
    query: importQuerySchema,
    body: { description: 'the users', content: { 'text/csv': importCsvSchema, 'application/json': importJsonSchema } },
    response: importResultSchema,
    problems: [409, 415, 422],
  })
  @BodyLimit(IMPORT_BODY_LIMIT)
  import(
    @TenantCaller() caller: TenantCallerInfo,
    @InstanceIdParam() id: string,
    @Query() query: unknown,
    @Body() body: unknown,
    @Req() request: RequestWithBody,
    @ClientGoneSignal() signal: AbortSignal,
  ) {
    const { type } = parseInput(importQuerySchema, query);
    return this.imports.import(caller.tenantId, id, { type, mediaType: request.bodyMediaType ?? '', body, rawJson: request.bodyText }, caller, signal);
  }

  @GetRoute(':userId', { summary: 'Get a built-in user', response: userViewSchema })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('userId') userId: string) {
    return this.users.get(caller.tenantId, id, userId);
  }

  @PatchRoute(':userId', { summary: 'Change a password or the superuser flag', body: updateUserSchema, response: userViewSchema, problems: [422] })
  update(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('userId') userId: string, @Body() body: unknown) {
    return this.users.update(caller.tenantId, id, userId, parseInput(updateUserSchema, body), caller);
  }

  @DeleteRoute(':userId', { summary: 'Delete a built-in user; its clients are disconnected' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('userId') userId: string) {
    await this.users.delete(caller.tenantId, id, userId, caller);
  }
}
