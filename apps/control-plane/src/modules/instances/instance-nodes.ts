import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { MqcConfig } from '@mqc/config';
import { nodeServes, type InstanceStatus } from '@mqc/domain';
import { InstanceRequestBus, type InstanceOperation } from '@mqc/queue';
import { DomainError } from '../../common/domain-errors';
import { CONFIG, REDIS } from '../../common/tokens';

/** How long a request waits for the node serving the instance unless the operation says otherwise. */
export const NODE_ANSWER_MS = 5_000;

/** What decides whether a node may be asked: the instance row as OwnedInstances found it. */
export interface ServedInstance {
  id: string;
  nodeId: string | null;
  status: InstanceStatus;
  listenersFailed: boolean;
}

/** No broker node serves the instance now, or none answered in time: 503, the caller may retry. */
export class InstanceUnreachableError extends DomainError {
  constructor(why: string) {
    super('unavailable', 'instance-unreachable', why);
  }
}

/**
 * The control plane's side of the InstanceRequestBus (one per process): asks the broker node
 * serving a tenant's instance (the caller has found the instance for the tenant first).
 */
@Injectable()
export class InstanceNodes implements OnModuleDestroy {
  private readonly bus: InstanceRequestBus;

  constructor(@Inject(REDIS) redis: Redis, @Inject(CONFIG) config: MqcConfig) {
    this.bus = new InstanceRequestBus(redis, config.redisPrefix);
  }

  async onModuleDestroy(): Promise<void> {
    await this.bus.close();
  }

  /** Whether a broker node should be serving the instance now. */
  served(instance: ServedInstance): boolean {
    return instance.nodeId !== null && nodeServes(instance);
  }

  /** The node's reply, or undefined when the instance is not served or no node answered in time. */
  async tryAsk<Request, Reply>(operation: InstanceOperation<Request, Reply>, instance: ServedInstance, request: Request, timeoutMs = NODE_ANSWER_MS): Promise<Reply | undefined> {
    if (!this.served(instance)) return undefined;
    return this.bus.ask(operation, instance.id, request, timeoutMs);
  }

  /** The node's reply, or 503 instance-unreachable. */
  async ask<Request, Reply>(operation: InstanceOperation<Request, Reply>, instance: ServedInstance, request: Request, timeoutMs = NODE_ANSWER_MS): Promise<Reply> {
    if (!this.served(instance)) throw new InstanceUnreachableError(`the instance is ${instance.status.toLowerCase()} and no broker node serves it now`);
    const reply = await this.bus.ask(operation, instance.id, request, timeoutMs);
    if (reply === undefined) throw new InstanceUnreachableError(`the broker node serving the instance did not answer within ${Math.round(timeoutMs / 1000)} s; retry`);
    return reply;
  }
}
