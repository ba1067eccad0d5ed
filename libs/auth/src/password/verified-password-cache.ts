import { createHmac, randomBytes } from 'node:crypto';

export interface VerifiedPasswordCacheOptions {
  /** How long a successful verification is remembered. Default 10 minutes. */
  ttlMs?: number;
  /** Entries kept at most; the least recently used go first. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * Remembers that a password verified against a stored hash, so a device that reconnects
 * does not pay for bcrypt, pbkdf2 or argon2 again. An entry is keyed by an HMAC of
 * (scope, password) under a key that lives only in this process, and it holds the stored
 * hash it verified against: a changed password, a re-hash or a deleted user no longer
 * matches. A wrong password never hits, so a guessing attacker still pays the full hash.
 *
 * `verify` also coalesces: identical checks in flight (same scope, stored hash and password)
 * share one slow hash and its answer, so a thousand devices of one user connecting at once pay
 * for one bcrypt, not a thousand queued past the chain's timeout. Different passwords never
 * share a run, so guessing still costs one hash per guess.
 */
export class VerifiedPasswordCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { storedHash: string; expiresAt: number }>();
  /** Verifications running now, by password fingerprint and stored hash. */
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: VerifiedPasswordCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private fingerprint(scope: string, password: string | Buffer): string {
    return createHmac('sha256', this.key).update(scope).update('\u0000').update(password).digest('base64');
  }

  /**
   * True when `password` is right for `storedHash`: known good, or checked by `check`, which
   * runs once for all identical calls in flight (they share its answer, or its failure).
   */
  verify(scope: string, password: string | Buffer, storedHash: string, check: () => Promise<boolean>): Promise<boolean> {
    const id = this.fingerprint(scope, password);
    if (this.knownGood(id, storedHash)) return Promise.resolve(true);
    const runKey = `${id}\u0000${storedHash}`;
    const running = this.inFlight.get(runKey);
    if (running) return running;
    const run = (async () => {
      try {
        const ok = await check();
        if (ok) this.rememberId(id, storedHash);
        return ok;
      } finally {
        this.inFlight.delete(runKey);
      }
    })();
    this.inFlight.set(runKey, run);
    return run;
  }

  /** True when this password verified against exactly this stored hash, recently. */
  isKnownGood(scope: string, password: string | Buffer, storedHash: string): boolean {
    return this.knownGood(this.fingerprint(scope, password), storedHash);
  }

  private knownGood(id: string, storedHash: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    if (entry.expiresAt <= this.now() || entry.storedHash !== storedHash) {
      this.entries.delete(id);
      return false;
    }
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return true;
  }

  remember(scope: string, password: string | Buffer, storedHash: string): void {
    this.rememberId(this.fingerprint(scope, password), storedHash);
  }

  private rememberId(id: string, storedHash: string): void {
    this.entries.delete(id);
    this.entries.set(id, { storedHash, expiresAt: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Verifications running now (each shared by every identical check that came meanwhile). */
  get running(): number {
    return this.inFlight.size;
  }
}
