/** Checks over which a client's decision cache is judged. */
export const GATE_WINDOW = 1_024;
/** The longest the cache is left off, in windows, while it keeps missing. */
export const MAX_SKIPPED_WINDOWS = 64;

/**
 * Whether a client's decision cache is worth asking. A miss costs more than no cache at all (the
 * lookup, then storing the topic and the decision, which keeps a topic string alive until its
 * place is taken), while a rule walk through the index is short; so a cache that misses more
 * than it hits is a loss. Judged over windows of 1,024 checks: after a window where fewer than
 * half hit (a client cycling through more topics than the cache holds, such as a consumer of
 * `devices/#`), the cache is left off for one window, then 2, 4, … up to 64 while the windows
 * it is tried on keep missing; a window where half hit turns it back on for good. Decisions are
 * the same either way: the gate only decides whether the cache is asked.
 */
export class CacheGate {
  private checks = 0;
  private hits = 0;
  private skipped = 0;
  private skipLeft = 0;

  /** Whether to ask the cache for this check; when true, `record` the outcome. */
  use(): boolean {
    if (this.skipLeft === 0) return true;
    this.skipLeft--;
    return false;
  }

  record(hit: boolean): void {
    if (hit) this.hits++;
    if (++this.checks < GATE_WINDOW) return;
    if (this.hits * 2 < this.checks) {
      this.skipped = this.skipped === 0 ? 1 : Math.min(this.skipped * 2, MAX_SKIPPED_WINDOWS);
      this.skipLeft = this.skipped * GATE_WINDOW;
    } else this.skipped = 0;
    this.checks = 0;
    this.hits = 0;
  }
}
