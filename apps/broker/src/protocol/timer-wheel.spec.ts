import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TimerWheel } from './timer-wheel';

describe('TimerWheel', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recording(tickMs = 100, slots = 8) {
    const fired: Array<{ item: string; at: number }> = [];
    const wheel = new TimerWheel<string>(tickMs, slots, (item, now) => fired.push({ item, at: now }));
    return { wheel, fired };
  }

  it('fires an item at its deadline, not before', () => {
    const { wheel, fired } = recording();
    wheel.schedule('a', Date.now() + 300);
    vi.advanceTimersByTime(299);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([{ item: 'a', at: 1_000_300 }]);
    expect(wheel.size).toBe(0);
  });

  it('fires at most one tick late when the deadline falls between ticks', () => {
    const { wheel, fired } = recording();
    wheel.schedule('a', Date.now() + 250);
    vi.advanceTimersByTime(299);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired.map((f) => f.item)).toEqual(['a']);
  });

  it('keeps deadlines more than a round ahead until their round comes', () => {
    const { wheel, fired } = recording(100, 4);
    wheel.schedule('far', Date.now() + 1_000);
    wheel.schedule('near', Date.now() + 200);
    vi.advanceTimersByTime(200);
    expect(fired.map((f) => f.item)).toEqual(['near']);
    vi.advanceTimersByTime(799);
    expect(fired.map((f) => f.item)).toEqual(['near']);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([
      { item: 'near', at: 1_000_200 },
      { item: 'far', at: 1_001_000 },
    ]);
  });

  it('cancels an item, and a new schedule replaces the earlier deadline', () => {
    const { wheel, fired } = recording();
    wheel.schedule('a', Date.now() + 200);
    wheel.schedule('b', Date.now() + 200);
    wheel.cancel('a');
    wheel.schedule('b', Date.now() + 500);
    vi.advanceTimersByTime(400);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired.map((f) => f.item)).toEqual(['b']);
  });

  it('lets a handler schedule its item again (a keep alive re-armed from the last activity)', () => {
    const fired: number[] = [];
    const wheel: TimerWheel<string> = new TimerWheel<string>(100, 8, (item, now) => {
      fired.push(now);
      if (fired.length < 3) wheel.schedule(item, now + 300);
    });
    wheel.schedule('a', Date.now() + 300);
    vi.advanceTimersByTime(2_000);
    expect(fired).toEqual([1_000_300, 1_000_600, 1_000_900]);
  });

  it('runs its interval only while something is scheduled', () => {
    const { wheel } = recording();
    expect(vi.getTimerCount()).toBe(0);
    wheel.schedule('a', Date.now() + 200);
    expect(vi.getTimerCount()).toBe(1);
    wheel.cancel('a');
    expect(vi.getTimerCount()).toBe(0);
    wheel.schedule('b', Date.now() + 200);
    vi.advanceTimersByTime(200);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a deadline already past fires on the next tick', () => {
    const { wheel, fired } = recording();
    wheel.schedule('a', Date.now() + 1_000);
    vi.advanceTimersByTime(100);
    wheel.schedule('late', Date.now() - 5_000);
    vi.advanceTimersByTime(100);
    expect(fired.map((f) => f.item)).toEqual(['late']);
  });
});

describe('TimerWheel under a clock that jumps', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires what is due after the clock jumped hours ahead, visiting each slot once', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fired: string[] = [];
    const wheel = new TimerWheel<string>(100, 8, (item) => fired.push(item));
    wheel.schedule('soon', Date.now() + 300);
    wheel.schedule('later', Date.now() + 7_200_000);
    vi.setSystemTime(Date.now() + 3_600_000);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['soon']);
    vi.setSystemTime(Date.now() + 3_600_000);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(['soon', 'later']);
  });

  it('still fires on time after the clock went back', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const fired: number[] = [];
    const wheel = new TimerWheel<string>(100, 8, (_item, now) => fired.push(now));
    wheel.schedule('keeper', Date.now() + 100_000);
    vi.setSystemTime(Date.now() - 60_000);
    wheel.schedule('a', Date.now() + 500);
    vi.advanceTimersByTime(700);
    expect(fired.length).toBe(1);
    expect(fired[0]! - (940_000 + 500)).toBeLessThanOrEqual(200);
  });
});
