import { describe, expect, it } from 'vitest';
import { VerifiedPasswordCache } from './verified-password-cache';

describe('VerifiedPasswordCache', () => {
  it('knows a password that verified against the same stored hash', () => {
    const cache = new VerifiedPasswordCache();
    cache.remember('i\u0000alice', 'secret', '$2b$10$hash');
    expect(cache.isKnownGood('i\u0000alice', 'secret', '$2b$10$hash')).toBe(true);
    expect(cache.isKnownGood('i\u0000alice', Buffer.from('secret'), '$2b$10$hash')).toBe(true);
  });

  it('does not know another password, another user, or a changed stored hash', () => {
    const cache = new VerifiedPasswordCache();
    cache.remember('i\u0000alice', 'secret', 'h1');
    expect(cache.isKnownGood('i\u0000alice', 'Secret', 'h1')).toBe(false);
    expect(cache.isKnownGood('i\u0000bob', 'secret', 'h1')).toBe(false);
    expect(cache.isKnownGood('i\u0000alice', 'secret', 'h2')).toBe(false);
    // A stale entry is dropped, so the old hash does not come back either.
    expect(cache.isKnownGood('i\u0000alice', 'secret', 'h1')).toBe(false);
  });

  it('forgets after its time to live', () => {
    let now = 0;
    const cache = new VerifiedPasswordCache({ ttlMs: 1_000, now: () => now });
    cache.remember('s', 'p', 'h');
    now = 999;
    expect(cache.isKnownGood('s', 'p', 'h')).toBe(true);
    now = 1_000;
    expect(cache.isKnownGood('s', 'p', 'h')).toBe(false);
  });

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const cache = new VerifiedPasswordCache({ maxEntries: 2 });
    cache.remember('a', 'p', 'h');
    cache.remember('b', 'p', 'h');
    expect(cache.isKnownGood('a', 'p', 'h')).toBe(true);
    cache.remember('c', 'p', 'h');
    expect(cache.size).toBe(2);
    expect(cache.isKnownGood('b', 'p', 'h')).toBe(false);
    expect(cache.isKnownGood('a', 'p', 'h')).toBe(true);
    expect(cache.isKnownGood('c', 'p', 'h')).toBe(true);
  });

  it('runs identical checks in flight once and shares the answer; another password or stored hash runs its own', async () => {
    const cache = new VerifiedPasswordCache();
    let runs = 0;
    let release!: (ok: boolean) => void;
    const gate = new Promise<boolean>((resolve) => (release = resolve));
    const check = () => (runs++, gate);
    const answers = Promise.all([
      cache.verify('i\u0000alice', 'secret', 'h1', check),
      cache.verify('i\u0000alice', Buffer.from('secret'), 'h1', check),
      cache.verify('i\u0000alice', 'secret', 'h1', check),
    ]);
    expect(cache.running).toBe(1);
    const other = cache.verify('i\u0000alice', 'other', 'h1', async () => (runs++, false));
    const otherHash = cache.verify('i\u0000alice', 'secret', 'h2', async () => (runs++, false));
    release(true);
    expect(await answers).toEqual([true, true, true]);
    expect(await other).toBe(false);
    expect(await otherHash).toBe(false);
    expect(runs).toBe(3);
    expect(cache.running).toBe(0);
    // Remembered: the next check runs nothing.
    expect(await cache.verify('i\u0000alice', 'secret', 'h1', check)).toBe(true);
    expect(runs).toBe(3);
  });

  it('shares a failing check with its waiters, then runs again', async () => {
    const cache = new VerifiedPasswordCache();
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new Error('boom');
    };
    const both = await Promise.allSettled([cache.verify('s', 'p', 'h', failing), cache.verify('s', 'p', 'h', failing)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(runs).toBe(1);
    expect(await cache.verify('s', 'p', 'h', async () => (runs++, true))).toBe(true);
    expect(runs).toBe(2);
  });

  it('does not keep passwords in the clear', () => {
    const cache = new VerifiedPasswordCache();
    cache.remember('scope', 'hunter2', 'h');
    expect(JSON.stringify([...(cache as unknown as { entries: Map<string, unknown> }).entries])).not.toContain('hunter2');
  });
});
