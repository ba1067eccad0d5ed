import { describe, expect, it } from 'vitest';
import { FailedAuthThrottle, throttleSourceKey, throttledConnackCode, type AuthAttempt, type FailedAuthThrottleOptions } from './failed-auth-throttle';

class FakeClock {
  constructor(public ms = 1_800_000_000_000) {}
  readonly now = () => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

function throttle(options: FailedAuthThrottleOptions = {}) {
  const clock = new FakeClock();
  return { clock, t: new FailedAuthThrottle({ maxFailures: 5, windowSeconds: 60, blockSeconds: 30, now: clock.now, ...options }) };
}

function fail(t: FailedAuthThrottle, host: string, times: number) {
  let last = t.recordFailure(host);
  for (let i = 1; i < times; i++) last = t.recordFailure(host);
  return last;
}

describe('FailedAuthThrottle', () => {
  it('lets a source fail maxFailures - 1 times, and blocks it at the limit', () => {
    const { t } = throttle();
    expect(fail(t, '198.51.100.7', 4)).toEqual({ throttled: false });
    expect(t.check('198.51.100.7')).toEqual({ throttled: false });
    expect(t.recordFailure('198.51.100.7')).toEqual({ throttled: true, retryAfterMs: 30_000 });
    expect(t.check('198.51.100.7')).toEqual({ throttled: true, retryAfterMs: 30_000 });
  });

  it('refuses until the block is over, then lets the source try again', () => {
    const { t, clock } = throttle();
    fail(t, '198.51.100.7', 5);
    clock.advance(29);
    expect(t.check('198.51.100.7')).toEqual({ throttled: true, retryAfterMs: 1_000 });
    clock.advance(1);
    expect(t.check('198.51.100.7')).toEqual({ throttled: false });
  });

  it('blocks a source that keeps failing right after its block again, sooner', () => {
    const { t, clock } = throttle();
    fail(t, '198.51.100.7', 5);
    clock.advance(30); // half the window: 2.5 failures refilled
    expect(t.recordFailure('198.51.100.7')).toEqual({ throttled: false });
    expect(t.recordFailure('198.51.100.7')).toEqual({ throttled: true, retryAfterMs: 30_000 });
  });

  it('forgets failures spread wider than the window', () => {
    const { t, clock } = throttle();
    for (let i = 0; i < 50; i++) {
      expect(t.recordFailure('198.51.100.7')).toEqual({ throttled: false });
      clock.advance(12); // exactly the refill rate: 5 per 60 s
    }
  });

  it('affects only the failing source', () => {
    const { t } = throttle();
    fail(t, '198.51.100.7', 5);
    expect(t.check('198.51.100.8')).toEqual({ throttled: false });
    expect(fail(t, '198.51.100.8', 4)).toEqual({ throttled: false });
    expect(t.check('198.51.100.7')).toMatchObject({ throttled: true });
  });

  it('counts an IPv6 /64 as one source, and an IPv4-mapped address as its IPv4', () => {
    const { t } = throttle();
    fail(t, '2001:db8:1:2::a', 3);
    fail(t, '2001:db8:1:2:ffff::b', 2);
    expect(t.check('2001:db8:1:2::c')).toMatchObject({ throttled: true });
    expect(t.check('2001:db8:1:3::a')).toEqual({ throttled: false });
    fail(t, '::ffff:192.0.2.1', 5);
    expect(t.check('192.0.2.1')).toMatchObject({ throttled: true });
    expect(throttleSourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(throttleSourceKey('2001:db8:1:2:3:4:5:6', 48)).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(throttleSourceKey('::ffff:7f00:1')).toBe('127.0.0.1');
  });

  it('stays within maxSources when an attacker rotates addresses, dropping the least recently seen', () => {
    const { t } = throttle({ maxSources: 100 });
    fail(t, '203.0.113.1', 5); // blocked, then not seen again
    for (let i = 0; i < 10_000; i++) t.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(t.size).toBe(100);
    expect(t.check('203.0.113.1')).toEqual({ throttled: false });
  });

  it('sweeps sources that are back to a full bucket first, keeping blocked ones', () => {
    const { t, clock } = throttle({ maxSources: 3 });
    fail(t, '203.0.113.1', 1);
    fail(t, '203.0.113.2', 1);
    clock.advance(20);
    fail(t, '203.0.113.3', 5); // blocked for 30 s
    clock.advance(5); // 1 and 2 have refilled (one failure = 12 s)
    t.recordFailure('203.0.113.4');
    expect(t.size).toBe(2);
    expect(t.check('203.0.113.3')).toMatchObject({ throttled: true });
  });

  it('sweep() drops idle sources and keeps recent and blocked ones', () => {
    const { t, clock } = throttle();
    fail(t, '203.0.113.1', 1);
    fail(t, '203.0.113.2', 5);
    clock.advance(13);
    fail(t, '203.0.113.3', 1);
    expect(t.sweep()).toBe(1);
    expect(t.size).toBe(2);
  });

  it('answers 0x9F to MQTT 5 and server unavailable to 3.1.1', () => {
    expect(throttledConnackCode(5)).toBe(0x9f);
    expect(throttledConnackCode(4)).toBe(3);
    expect(throttledConnackCode(3)).toBe(3);
  });
});

function admitted(t: FailedAuthThrottle, host: string): AuthAttempt {
  const admission = t.admit(host);
  if (!admission.admitted) throw new Error(`refused: ${admission.cause}`);
  return admission.attempt;
}

describe('FailedAuthThrottle reservations', () => {
  it('admits a parallel burst only as far as the source may fail: a failure is reserved before the chain runs', () => {
    const { t } = throttle({ maxFailures: 5, maxPending: 100 });
    const inChain = Array.from({ length: 5 }, () => admitted(t, '198.51.100.7'));
    // Five are in the chain, none has failed yet: the sixth would be a sixth password checked.
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: false, cause: 'busy', firstRefusal: true });
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: false, cause: 'busy', firstRefusal: false });
    for (const attempt of inChain.slice(0, 4)) expect(attempt.fail()).toEqual({ throttled: false });
    expect(inChain[4]!.fail()).toEqual({ throttled: true, retryAfterMs: 30_000 });
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: false, cause: 'blocked', retryAfterMs: 30_000 });
  });

  it('holds at most maxPending of a source in the chain at once, and frees the slot when the chain decides', () => {
    const { t } = throttle({ maxFailures: 50, maxPending: 3 });
    const inChain = [admitted(t, '198.51.100.7'), admitted(t, '198.51.100.7'), admitted(t, '198.51.100.7')];
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: false, cause: 'busy', retryAfterMs: 1_000 });
    expect(t.admit('198.51.100.8')).toMatchObject({ admitted: true });
    inChain[0]!.giveBack();
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: true });
    // Waiting for the client's next AUTH (SCRAM) is not work of the chain.
    inChain[1]!.leaveChain();
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: true });
  });

  it('gives the reservation back on success and on a backend failure: any number of good logins, one after another', () => {
    const { t } = throttle({ maxFailures: 5 });
    for (let i = 0; i < 100; i++) admitted(t, '198.51.100.7').giveBack();
    expect(fail(t, '198.51.100.7', 4)).toEqual({ throttled: false });
    expect(t.check('198.51.100.7')).toEqual({ throttled: false });
  });

  it('settles an attempt once: a second fail or give-back changes nothing', () => {
    const { t } = throttle({ maxFailures: 2 });
    const attempt = admitted(t, '198.51.100.7');
    attempt.giveBack();
    attempt.giveBack();
    attempt.fail();
    const second = admitted(t, '198.51.100.7');
    expect(second.fail()).toEqual({ throttled: false });
    second.fail();
    expect(admitted(t, '198.51.100.7').fail()).toEqual({ throttled: true, retryAfterMs: 30_000 });
  });

  it('tells a source whose failures are all reserved when one refills', () => {
    const { t, clock } = throttle({ maxFailures: 5, windowSeconds: 60, maxPending: 10 });
    const inChain = Array.from({ length: 5 }, () => admitted(t, '198.51.100.7'));
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: false, cause: 'busy', retryAfterMs: 12_000 });
    clock.advance(12);
    expect(t.admit('198.51.100.7')).toMatchObject({ admitted: true });
    for (const attempt of inChain) attempt.giveBack();
  });

  it('keeps a source with attempts in the chain through a sweep', () => {
    const { t, clock } = throttle();
    const attempt = admitted(t, '198.51.100.7');
    attempt.leaveChain();
    clock.advance(600);
    expect(t.sweep()).toBe(1);
    const pending = admitted(t, '198.51.100.7');
    clock.advance(600);
    expect(t.sweep()).toBe(0);
    pending.giveBack();
    expect(t.sweep()).toBe(1);
  });
});
