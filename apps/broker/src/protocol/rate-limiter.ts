/**
 * Token bucket for the instance's inbound PUBLISH rate: refills continuously at `perSecond`,
 * holds at most one second's worth. Costs one clock read per message, no timers.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(private perSecond: number, now = Date.now()) {
    this.tokens = perSecond;
    this.last = now;
  }

  setRate(perSecond: number): void {
    this.perSecond = perSecond;
    this.tokens = Math.min(this.tokens, perSecond);
  }

  /** Takes one token; false when the rate is exceeded. */
  tryTake(now = Date.now()): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.perSecond, this.tokens + (elapsed * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
