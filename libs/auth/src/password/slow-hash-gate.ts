import { availableParallelism } from 'node:os';

/**
 * Runs at most `limit` slow hashes (bcrypt, pbkdf2, argon2) at once; the rest wait their turn.
 * They run in the libuv pool, whose four threads would otherwise take every core during a
 * connect storm and starve the event loop that relays everyone else's messages.
 */
export class SlowHashGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private startedCount = 0;

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

  /**
   * Runs `work` when a slot is free. An aborted `signal` rejects with its reason before the
   * work starts, also while waiting (the place in line is given up); started work finishes.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.running < this.limit) this.running++;
    else await this.waitForSlot(signal);
    try {
      this.startedCount++;
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(admit);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(admit);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Hashes that may run at once. */
  get concurrency(): number {
    return this.limit;
  }

  /** Hashes running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Hashes started since the process began (a counter, for metrics and tests). */
  get started(): number {
    return this.startedCount;
  }
}

/** Every core but one may hash; the last one stays with the traffic. */
export const DEFAULT_SLOW_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/** The process's gate (MQC_SLOW_HASH_CONCURRENCY sets its limit at start). */
export const slowHashGate = new SlowHashGate(DEFAULT_SLOW_HASH_CONCURRENCY);
