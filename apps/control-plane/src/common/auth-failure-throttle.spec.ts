import { describe, expect, it } from 'vitest';
import { AuthFailureThrottle, sourceOf } from './auth-failure-throttle';
import { RateLimitedError } from './domain-errors';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** The attempt's outcome: its result, or the 429 that refused it. */
async function outcome<T>(throttle: AuthFailureThrottle, address: string, result: T): Promise<T | RateLimitedError> {
  try {
    return await throttle.attempt(address, () => result);
  } catch (error) {
    if (error instanceof RateLimitedError) return error;
    throw error;
  }
}

describe('AuthFailureThrottle', () => {
  it('refuses a source after its failures in a window, with the seconds until the window ends', async () => {
    const time = clock();
    const reached: string[] = [];
    const throttle = new AuthFailureThrottle({ limit: 3, now: time.now, onLimitReached: (source) => reached.push(source) });
    for (let i = 0; i < 3; i++) expect(await outcome(throttle, '192.0.2.1', false)).toBe(false);
    expect(reached).toEqual(['192.0.2.1']);
    time.advance(15_500);
    const refused = await outcome(throttle, '192.0.2.1', true);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(45);
    expect(await outcome(throttle, '192.0.2.2', true)).toBe(true);
    time.advance(44_500);
    expect(await outcome(throttle, '192.0.2.1', true)).toBe(true);
  });

  it('counts an attempt before it is judged: a parallel burst gets no more than the limit checked', async () => {
    const throttle = new AuthFailureThrottle({ limit: 5 });
    let checked = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const burst = Array.from({ length: 50 }, () =>
      throttle
        .attempt('192.0.2.9', async () => {
          checked++;
          await gate;
          return false;
        })
        .catch((error: unknown) => error),
    );
    open();
    const outcomes = await Promise.all(burst);
    expect(checked).toBe(5);
    expect(outcomes.filter((o) => o instanceof RateLimitedError)).toHaveLength(45);
  });

  it('gives the reservation back on a success or a throw, and a success clears no failure', async () => {
    const throttle = new AuthFailureThrottle({ limit: 3 });
    await outcome(throttle, '192.0.2.3', false);
    await outcome(throttle, '192.0.2.3', false);
    for (let i = 0; i < 5; i++) expect(await outcome(throttle, '192.0.2.3', 'key')).toBe('key');
    await expect(throttle.attempt('192.0.2.3', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await outcome(throttle, '192.0.2.3', false)).toBe(false);
    expect(await outcome(throttle, '192.0.2.3', 'key')).toBeInstanceOf(RateLimitedError);
  });

  it('tracks at most its capacity of sources, forgetting ended windows first, then the oldest', async () => {
    const time = clock();
    const throttle = new AuthFailureThrottle({ limit: 1, capacity: 1_000, now: time.now });
    for (let i = 0; i < 500; i++) await outcome(throttle, `10.0.${i >> 8}.${i & 255}`, false);
    time.advance(60_000);
    const address = (i: number) => `10.1.${i >> 8}.${i & 255}`;
    for (let i = 0; i < 100_000; i++) await outcome(throttle, address(i), false);
    expect(throttle.trackedSources).toBe(1_000);
    // The newest sources are still refused; the oldest were forgotten.
    expect(await outcome(throttle, address(99_999), true)).toBeInstanceOf(RateLimitedError);
    expect(await outcome(throttle, address(0), true)).toBe(true);
  });

  it('forgets a source whose attempts all succeeded', async () => {
    const throttle = new AuthFailureThrottle();
    for (let i = 0; i < 100; i++) await outcome(throttle, `10.2.0.${i}`, true);
    expect(throttle.trackedSources).toBe(0);
  });

  it('counts an IPv6 /64 as one source, and an IPv4-mapped address as its IPv4 address', async () => {
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(sourceOf('192.0.2.7')).toBe('192.0.2.7');
    const throttle = new AuthFailureThrottle({ limit: 2 });
    await outcome(throttle, '2001:db8:1:2::a', false);
    await outcome(throttle, '2001:db8:1:2::b', false);
    expect(await outcome(throttle, '2001:db8:1:2::c', true)).toBeInstanceOf(RateLimitedError);
  });
});
