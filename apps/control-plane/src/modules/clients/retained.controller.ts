import { Query } from '@nestjs/common';
import { INLINE_PAYLOAD_BYTES } from '@mqc/queue';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { DeleteRoute, GetRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { deleteRetainedSchema, listRetainedSchema, retainedPageSchema } from './client.dto';
import { ClientService } from './client.service';

@InstanceScopedController('retained')
export class RetainedController {
  constructor(private readonly clients: ClientService) {}

  @GetRoute({
    summary: 'Retained messages whose topic matches a filter, by topic',
    description: `payload is base64, given when it is at most ${INLINE_PAYLOAD_BYTES} bytes (size always); properties are left out above ${INLINE_PAYLOAD_BYTES} bytes of JSON (propertiesOmitted). Asked of the broker node serving the instance: 503 instance-unreachable when none answers.`,
    query: listRetainedSchema,
    response: retainedPageSchema,
    problems: [422, 503],
  })
  list(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    return this.clients.listRetained(caller.tenantId, id, parseInput(listRetainedSchema, query));
  }

  @DeleteRoute({
    summary: "Clear a topic's retained message",
    description: 'As an empty retained PUBLISH clears it, without sending anything to subscribers. 404 retained-message-not-found when the topic has none. Audited as retained.delete.',
    query: deleteRetainedSchema,
    problems: [422, 503],
  })
  async delete(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Query() query: unknown) {
    await this.clients.deleteRetained(caller.tenantId, id, parseInput(deleteRetainedSchema, query).topic, caller);
  }
}
