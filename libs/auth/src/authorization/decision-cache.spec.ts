import { describe, expect, it } from 'vitest';
import type { AuthorizationRequest } from './compiled-rules';
import { DecisionCache } from './decision-cache';

const req = (action: 'publish' | 'subscribe', topic: string, qos: 0 | 1 | 2 = 0, retain = false): AuthorizationRequest => ({ action, topic, qos, retain });

describe('DecisionCache', () => {
  it('keeps one decision per action, topic, qos and (for publishes) retain', () => {
    const cache = new DecisionCache<string>(10);
    cache.set(0, req('publish', 't', 1, false), 'p1');
    cache.set(0, req('publish', 't', 1, true), 'p1r');
    cache.set(0, req('subscribe', 't', 1), 's1');
    expect(cache.get(0, req('publish', 't', 1, false))).toBe('p1');
    expect(cache.get(0, req('publish', 't', 1, true))).toBe('p1r');
    expect(cache.get(0, req('publish', 't', 2, false))).toBeUndefined();
    expect(cache.get(0, req('subscribe', 't', 1, true))).toBe('s1');
    expect(cache.get(0, req('subscribe', 't', 0))).toBeUndefined();
    expect(cache.get(0, req('publish', 'u', 1))).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('a new generation empties it', () => {
    const cache = new DecisionCache<string>(10);
    cache.set(0, req('publish', 't'), 'old');
    expect(cache.get(1, req('publish', 't'))).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set(1, req('publish', 't'), 'new');
    expect(cache.get(1, req('publish', 't'))).toBe('new');
    cache.set(2, req('publish', 'u'), 'newer');
    expect(cache.get(2, req('publish', 't'))).toBeUndefined();
  });

  it('is bounded: a new topic evicts at most the one in its place, never the whole cache', () => {
    const cache = new DecisionCache<string>(16);
    let held = 0;
    for (let i = 0; i < 100; i++) {
      cache.set(0, req('publish', `t/${i}`), `T${i}`);
      expect(cache.size).toBeGreaterThanOrEqual(held);
      expect(cache.size).toBeLessThanOrEqual(16);
      held = cache.size;
      expect(cache.get(0, req('publish', `t/${i}`))).toBe(`T${i}`);
    }
    for (let i = 0; i < 100; i++) expect([undefined, `T${i}`]).toContain(cache.get(0, req('publish', `t/${i}`)));
  });

  it('grows from a small table up to maxTopics, keeping what it holds', () => {
    const cache = new DecisionCache<string>(64);
    for (let i = 0; i < 200; i++) cache.set(0, req('subscribe', `room/${i}/+`, 1), `R${i}`);
    expect(cache.size).toBeGreaterThan(16);
    expect(cache.size).toBeLessThanOrEqual(64);
    const kept = Array.from({ length: 200 }, (_, i) => cache.get(0, req('subscribe', `room/${i}/+`, 1))).filter((v) => v !== undefined);
    expect(kept).toHaveLength(cache.size);
  });

  it('a topic taking a place does not inherit the decisions of the one it evicts', () => {
    const cache = new DecisionCache<string>(1);
    cache.set(0, req('publish', 'a', 1), 'A1');
    cache.set(0, req('publish', 'b', 0), 'B0');
    expect(cache.size).toBe(1);
    expect(cache.get(0, req('publish', 'b', 1))).toBeUndefined();
    expect(cache.get(0, req('publish', 'a', 1))).toBeUndefined();
    expect(cache.get(0, req('publish', 'b', 0))).toBe('B0');
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new DecisionCache(0)).toThrow('maxTopics must be a positive integer, got 0');
  });
});
