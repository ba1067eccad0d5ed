import type { Redis } from 'ioredis';
import { isChangeEvent, type ChangeEvent } from '@mqc/domain';

/**
 * Change events over Redis pub/sub: the control plane and the worker publish, every broker
 * node subscribes. Events name what changed; subscribers read the state from PostgreSQL, so a
 * lost event is repaired by the nodes' periodic resync.
 */
export class ChangeBus {
  private readonly channel: string;

  constructor(
    private readonly publisher: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}:changes`;
  }

  async publish(event: ChangeEvent): Promise<void> {
    await this.publisher.publish(this.channel, JSON.stringify(event));
  }

  /** Subscribes on a dedicated connection (a subscribed Redis connection can do nothing else). */
  async subscribe(handler: (event: ChangeEvent) => void): Promise<() => Promise<void>> {
    const subscriber = this.publisher.duplicate();
    subscriber.on('message', (_channel: string, message: string) => {
      let event: unknown;
      try {
        event = JSON.parse(message);
      } catch {
        return;
      }
      if (isChangeEvent(event)) handler(event);
    });
    await subscriber.subscribe(this.channel);
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }
}
