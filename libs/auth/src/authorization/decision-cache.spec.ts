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

  it('is bounded: a topic beyond maxTopics clears it', () => {
    const cache = new DecisionCache<string>(2);
    cache.set(0, req('publish', 'a'), 'A');
    cache.set(0, req('publish', 'b'), 'B');
    cache.set(0, req('subscribe', 'b'), 'B2');
    expect(cache.size).toBe(2);
    cache.set(0, req('publish', 'c'), 'C');
    expect(cache.size).toBe(1);
    expect(cache.get(0, req('publish', 'a'))).toBeUndefined();
    expect(cache.get(0, req('publish', 'c'))).toBe('C');
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new DecisionCache(0)).toThrow('maxTopics must be a positive integer, got 0');
  });
});
