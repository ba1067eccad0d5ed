import { randomBytes } from 'node:crypto';
import type { NatsConnection } from './nats-connection';

type Waiter = { resolve(seq: number): void; reject(error: Error): void; at: number };

/**
 * JetStream publishes on the hot path, acknowledged through one subscription: each write is a
 * core publish whose reply subject carries a number, and JetStream's acknowledgement comes back
 * on it. The client's `js.publish` makes a request per write instead (its own reply token,
 * mux entry and timer each time); this is the same protocol without that per-message cost.
 * Writes not acknowledged within `timeoutMs` fail (checked once a second).
 */
export class AckedPublisher {
  private readonly inbox = `_INBOX.mqc-${randomBytes(8).toString('hex')}`;
  private next = 1;
  private readonly waiting = new Map<number, Waiter>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly subscription: ReturnType<NatsConnection['subscribe']>;

  constructor(
    private readonly connection: NatsConnection,
    private readonly timeoutMs = 5_000,
  ) {
    this.subscription = connection.subscribe(`${this.inbox}.*`, {
      callback: (_error: unknown, message: { subject: string; data: Uint8Array }) => this.acknowledged(message.subject, message.data),
    });
    this.sweeper = setInterval(() => this.sweep(Date.now()), 1_000);
    this.sweeper.unref();
  }

  /** Resolves with the record's stream sequence once JetStream stored it. */
  publish(subject: string, data: Uint8Array): Promise<number> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, at: Date.now() });
      try {
        this.connection.publish(subject, data, { reply: `${this.inbox}.${id}` });
      } catch (error) {
        this.waiting.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  private acknowledged(subject: string, data: Uint8Array): void {
    const id = Number(subject.slice(this.inbox.length + 1));
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return;
    this.waiting.delete(id);
    // An empty reply is a status (503: no stream takes the subject).
    if (data.length === 0) {
      waiter.reject(new Error(`JetStream did not store a write to ${subject}: no stream answered`));
      return;
    }
    try {
      const ack = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString()) as { seq?: number; error?: { code?: number; description?: string } };
      if (ack.error !== undefined || typeof ack.seq !== 'number') waiter.reject(new Error(`JetStream refused a write: ${ack.error?.description ?? 'no sequence'} (${ack.error?.code ?? '?'})`));
      else waiter.resolve(ack.seq);
    } catch (error) {
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Fails the writes older than the timeout (the map is in publish order: the oldest come first). */
  private sweep(now: number): void {
    for (const [id, waiter] of this.waiting) {
      if (now - waiter.at < this.timeoutMs) return;
      this.waiting.delete(id);
      waiter.reject(new Error(`JetStream did not acknowledge a write within ${this.timeoutMs} ms`));
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const waiter of this.waiting.values()) waiter.reject(new Error('the NATS connection closed'));
    this.waiting.clear();
  }
}
