import { availableParallelism } from 'node:os';

/**
 * Runs at most `limit` slow hashes (bcrypt, pbkdf2, argon2) at once; the rest wait their turn.
 * They run in the libuv pool, whose four threads would otherwise take every core during a
 * connect storm and starve the event loop that relays everyone else's messages.
 */
export class SlowHashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {
    this.setLimit(limit);
  }

  /** Takes effect for the next hashes; those running finish. */
  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new Error('the slow-hash limit must be a positive integer');
    this.limit = limit;
    while (this.running < this.limit && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()?.();
    }
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}

/** Every core but one may hash; the last one stays with the traffic. */
export const DEFAULT_SLOW_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/** The process's gate (MQC_SLOW_HASH_CONCURRENCY sets its limit at start). */
export const slowHashGate = new SlowHashGate(DEFAULT_SLOW_HASH_CONCURRENCY);
