import { describe, expect, it } from 'vitest';
import { AuthFailureThrottle, sourceOf } from './auth-failure-throttle';
import { RateLimitedError } from './domain-errors';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function refusal(throttle: AuthFailureThrottle, address: string): RateLimitedError | undefined {
  try {
    throttle.assertAllowed(address);
    return undefined;
  } catch (error) {
    return error as RateLimitedError;
  }
}

describe('AuthFailureThrottle', () => {
  it('refuses a source after its failures in a window, with the seconds until the window ends', () => {
    const time = clock();
    const throttle = new AuthFailureThrottle(3, 60_000, 100, time.now);
    for (let i = 0; i < 3; i++) {
      expect(refusal(throttle, '192.0.2.1')).toBeUndefined();
      throttle.recordFailure('192.0.2.1');
    }
    time.advance(15_500);
    const refused = refusal(throttle, '192.0.2.1');
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused?.retryAfterSeconds).toBe(45);
    expect(refusal(throttle, '192.0.2.2')).toBeUndefined();
    time.advance(44_500);
    expect(refusal(throttle, '192.0.2.1')).toBeUndefined();
  });

  it('tracks at most its capacity of sources, forgetting ended windows first, then the oldest', () => {
    const time = clock();
    const throttle = new AuthFailureThrottle(1, 60_000, 1_000, time.now);
    for (let i = 0; i < 500; i++) throttle.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    time.advance(60_000);
    const address = (i: number) => `10.1.${i >> 8}.${i & 255}`;
    for (let i = 0; i < 100_000; i++) throttle.recordFailure(address(i));
    expect(throttle.trackedSources).toBe(1_000);
    // The newest sources are still refused; the oldest were forgotten.
    expect(refusal(throttle, address(99_999))).toBeInstanceOf(RateLimitedError);
    expect(refusal(throttle, address(0))).toBeUndefined();
  });

  it('counts an IPv6 /64 as one source, and an IPv4-mapped address as its IPv4 address', () => {
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceOf('192.0.2.7')).toBe('192.0.2.7');
    const throttle = new AuthFailureThrottle(2);
    throttle.recordFailure('2001:db8:1:2::a');
    throttle.recordFailure('2001:db8:1:2::b');
    expect(refusal(throttle, '2001:db8:1:2::c')).toBeInstanceOf(RateLimitedError);
  });
});
