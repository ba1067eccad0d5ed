import { Body, Param, Query } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { DeleteRoute, GetRoute, PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { createdPskIdentitySchema, createPskIdentitySchema, listPskIdentitiesSchema, pskIdentityPageSchema } from './psk-identity.dto';
import { PskIdentityService } from './psk-identity.service';


@InstanceScopedController('psk-identities')
export class PskIdentityController {
  constructor(private readonly identities: PskIdentityService) {}

  @GetRoute({ summary: 'List the TLS-PSK identities, by identity (never their keys)', query: listPskIdentitiesSchema, response: pskIdentityPageSchema, problems: [422] })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    const { limit, after } = parseInput(listPskIdentitiesSchema, query);
    return this.identities.list(caller.tenantId, id, limit, after);
  }

  @PostRoute({
    summary: 'Add a TLS-PSK identity (platinum); a key not given is generated, and shown this once',
    body: createPskIdentitySchema,
    response: createdPskIdentitySchema,
    problems: [403, 409, 422],
  })
  create(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.identities.create(caller.tenantId, id, parseInput(createPskIdentitySchema, body), caller);
  }

  @DeleteRoute(':identity', { summary: 'Delete a TLS-PSK identity; clients connected with it are disconnected' })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('identity') identity: string) {
    await this.identities.delete(caller.tenantId, id, identity, caller);
  }
}
