import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { DELETE_RETAINED, GET_CLIENT, KICK_CLIENT, LIST_CLIENTS, LIST_RETAINED } from '@mqc/queue';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { InstanceNodes } from '../instances/instance-nodes';
import { OwnedInstances } from '../instances/owned-instances';
import { cursorOf, type listClientsSchema, type listRetainedSchema } from './client.dto';

/** A page may walk a million sessions or retained messages on a busy node (a few seconds): it waits longer than a single read. */
const PAGE_ANSWER_MS = 10_000;

/**
 * The tenant's view of what an instance holds in the broker (issue 15): clients and their
 * sessions, retained messages. Each read or change is asked of the broker node serving the
 * instance (InstanceNodes); an instance no node serves answers 503 instance-unreachable.
 */
@Injectable()
export class ClientService {
  constructor(
    private readonly instances: OwnedInstances,
    private readonly nodes: InstanceNodes,
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

  async kick(tenantId: string, instanceId: string, clientId: string, clearSession: boolean): Promise<void> {
    const instance = await this.instances.find(tenantId, instanceId);
    const outcome = await this.nodes.ask(KICK_CLIENT, instance, { clientId, clearSession });
    if (!outcome.found) throw new NotFoundError('client');
    if (!outcome.disconnected && !outcome.sessionCleared) {
      throw new DomainError('conflict', 'client-not-connected', 'the client is not connected; clearSession=true discards its offline session');
    }
  }

  async listRetained(tenantId: string, instanceId: string, query: z.infer<typeof listRetainedSchema>) {
    const instance = await this.instances.find(tenantId, instanceId);
    const page = await this.nodes.ask(LIST_RETAINED, instance, { filter: query.topic, limit: query.limit, after: query.cursor }, PAGE_ANSWER_MS);
    return { items: page.items, nextCursor: cursorOf(page.nextCursor) };
  }

  async deleteRetained(tenantId: string, instanceId: string, topic: string): Promise<void> {
    const instance = await this.instances.find(tenantId, instanceId);
    const { deleted } = await this.nodes.ask(DELETE_RETAINED, instance, { topic });
    if (!deleted) throw new NotFoundError('retained-message');
  }
}
