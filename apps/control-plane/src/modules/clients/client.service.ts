import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { DELETE_RETAINED, GET_CLIENT, KICK_CLIENT, LIST_CLIENTS, LIST_RETAINED } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { AuditService } from '../audit/audit.service';
import { InstanceNodes } from '../instances/instance-nodes';
import { OwnedInstances } from '../instances/owned-instances';
import { cursorOf, type listClientsSchema, type listRetainedSchema } from './client.dto';

/** A page may walk a million sessions or retained messages on a busy node (a few seconds): it waits longer than a single read. */
const PAGE_ANSWER_MS = 10_000;

/**
 * The tenant's view of what an instance holds in the broker (issue 15): clients and their
 * sessions, retained messages. Each read or change is asked of the broker node serving the
 * instance (InstanceNodes); an instance no node serves answers 503 instance-unreachable. A kick
 * and a clear change nothing in the database: they are audited once the node has done them.
 */
@Injectable()
export class ClientService {
  constructor(
    private readonly instances: OwnedInstances,
    private readonly nodes: InstanceNodes,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
  ) {}

  async list(tenantId: string, instanceId: string, query: z.infer<typeof listClientsSchema>) {
    const instance = await this.instances.find(tenantId, instanceId);
    const { cursor, ...filter } = query;
    const page = await this.nodes.ask(LIST_CLIENTS, instance, { ...filter, after: cursor }, PAGE_ANSWER_MS);
    return { items: page.items, nextCursor: cursorOf(page.nextCursor) };
  }

  async get(tenantId: string, instanceId: string, clientId: string) {
    const instance = await this.instances.find(tenantId, instanceId);
    const { client } = await this.nodes.ask(GET_CLIENT, instance, { clientId });
    if (client === null) throw new NotFoundError('client');
    return client;
  }

  async kick(tenantId: string, instanceId: string, clientId: string, clearSession: boolean, caller: Caller): Promise<void> {
    const instance = await this.instances.find(tenantId, instanceId);
    const outcome = await this.nodes.ask(KICK_CLIENT, instance, { clientId, clearSession });
    if (!outcome.found) throw new NotFoundError('client');
    if (!outcome.disconnected && !outcome.sessionCleared) {
      throw new DomainError('conflict', 'client-not-connected', 'the client is not connected; clearSession=true discards its offline session');
    }
    const details = { instanceId, disconnected: outcome.disconnected, sessionCleared: outcome.sessionCleared };
    await this.audit.record(this.dataSource.manager, { tenantId, caller, action: 'client.disconnect', resourceType: 'client', resourceId: clientId, details });
  }

  async listRetained(tenantId: string, instanceId: string, query: z.infer<typeof listRetainedSchema>) {
    const instance = await this.instances.find(tenantId, instanceId);
    const page = await this.nodes.ask(LIST_RETAINED, instance, { filter: query.topic, limit: query.limit, after: query.cursor }, PAGE_ANSWER_MS);
    return { items: page.items, nextCursor: cursorOf(page.nextCursor) };
  }

  async deleteRetained(tenantId: string, instanceId: string, topic: string, caller: Caller): Promise<void> {
    const instance = await this.instances.find(tenantId, instanceId);
    const { deleted } = await this.nodes.ask(DELETE_RETAINED, instance, { topic });
    if (!deleted) throw new NotFoundError('retained-message');
    await this.audit.record(this.dataSource.manager, { tenantId, caller, action: 'retained.delete', resourceType: 'retained-message', resourceId: topic, details: { instanceId } });
  }
}
