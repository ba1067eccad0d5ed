import type { FailedAuthThrottle } from '@mqc/auth';

/** How often a throttle forgets the sources that are back to a full bucket. */
const SWEEP_MS = 60_000;

/**
 * Issue 16: one timer sweeps the failed-CONNECT throttles of every instance of the process,
 * instead of a 60 s timer per instance; an instance's throttle joins on its first CONNECT.
 */
export class ThrottleSweeper {
  private readonly throttles = new Set<FailedAuthThrottle>();
  private timer: NodeJS.Timeout | undefined;

  add(throttle: FailedAuthThrottle): void {
    this.throttles.add(throttle);
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  remove(throttle: FailedAuthThrottle): void {
    this.throttles.delete(throttle);
    if (this.throttles.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.throttles.size;
  }

  sweep(): void {
    for (const throttle of this.throttles) throttle.sweep();
  }
}

/** The process's sweeper (a broker process runs one node). */
export const THROTTLE_SWEEPER = new ThrottleSweeper();
