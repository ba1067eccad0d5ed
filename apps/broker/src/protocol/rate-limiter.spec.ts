import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('allows a second worth of messages, then refills with time', () => {
    const limiter = new RateLimiter(3, 0);
    expect([limiter.tryTake(0), limiter.tryTake(0), limiter.tryTake(0), limiter.tryTake(0)]).toEqual([true, true, true, false]);
    expect(limiter.tryTake(333)).toBe(false);
    expect(limiter.tryTake(334)).toBe(true);
  });

  it('applies a new rate', () => {
    const limiter = new RateLimiter(10, 0);
    limiter.setRate(1);
    expect([limiter.tryTake(0), limiter.tryTake(0)]).toEqual([true, false]);
  });
});
