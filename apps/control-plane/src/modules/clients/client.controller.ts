import { Param, Query } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { DeleteRoute, GetRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { clientDetailViewSchema, clientPageSchema, kickQuerySchema, listClientsSchema } from './client.dto';
import { ClientService } from './client.service';

const FROM_THE_NODE = 'Asked of the broker node serving the instance: 503 instance-unreachable when none serves it now or it does not answer within 5 s (10 s for a page).';

@InstanceScopedController('clients')
export class ClientController {
  constructor(private readonly clients: ClientService) {}

  @GetRoute({
    summary: 'Connected clients and offline persistent sessions, by client id',
    description: `Every session the instance holds: connected clients (a clean-session client too, while connected) and persistent sessions waiting for their client. Filters combine: clientId is a prefix, username and peerHost exact. ${FROM_THE_NODE}`,
    query: listClientsSchema,
    response: clientPageSchema,
    problems: [422, 503],
  })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    return this.clients.list(caller.tenantId, id, parseInput(listClientsSchema, query));
  }

  @GetRoute(':clientId', { summary: 'One client with its subscriptions', description: `At most 1000 subscriptions are listed (subscriptionsTruncated says when there are more). ${FROM_THE_NODE}`, response: clientDetailViewSchema, problems: [503] })
  get(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('clientId') clientId: string) {
    return this.clients.get(caller.tenantId, id, clientId);
  }

  @DeleteRoute(':clientId', {
    summary: 'Disconnect a client; clearSession=true also discards its session',
    description: `MQTT 5 clients get DISCONNECT 0x98 (administrative action) before the close, MQTT 3.1.1 clients a close; the will is published. clearSession=true discards the session (subscriptions, queued messages), also of an offline client; without it an offline client is a 409 client-not-connected. Audited as client.disconnect. ${FROM_THE_NODE}`,
    query: kickQuerySchema,
    problems: [409, 422, 503],
  })
  async kick(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('clientId') clientId: string, @Query() query: unknown) {
    const { clearSession } = parseInput(kickQuerySchema, query);
    await this.clients.kick(caller.tenantId, id, clientId, clearSession, caller);
  }
}
