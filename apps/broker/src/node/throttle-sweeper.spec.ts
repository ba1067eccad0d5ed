import { FailedAuthThrottle } from '@mqc/auth';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ThrottleSweeper } from './throttle-sweeper';

describe('ThrottleSweeper (issue 16: one timer for the throttles of every instance)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sweeps every throttle it holds with one timer, and stops the timer when none is left', () => {
    vi.useFakeTimers();
    const sweeper = new ThrottleSweeper();
    const throttles = [new FailedAuthThrottle({ windowSeconds: 1 }), new FailedAuthThrottle({ windowSeconds: 1 })];
    for (const throttle of throttles) {
      sweeper.add(throttle);
      throttle.recordFailure('10.0.0.1');
    }
    expect(vi.getTimerCount()).toBe(1);
    expect(throttles.map((t) => t.size)).toEqual([1, 1]);
    vi.advanceTimersByTime(60_000);
    // Back to a full bucket after the 1 s window: forgotten.
    expect(throttles.map((t) => t.size)).toEqual([0, 0]);
    for (const throttle of throttles) sweeper.remove(throttle);
    expect(vi.getTimerCount()).toBe(0);
  });
});
