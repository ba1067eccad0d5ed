import { describe, expect, it } from 'vitest';
import type { Message } from './message';
import { RetainedStore } from './retained-store';

function message(topic: string, payload: string, expiresAt?: number): Message {
  return { topic, payload: Buffer.from(payload), qos: 0, retain: true, expiresAt };
}

function topics(store: RetainedStore, filter: string, now = 0): string[] {
  return store.match(filter, now).map((m) => m.topic).sort();
}

describe('RetainedStore', () => {
  it('sets, replaces and clears with an empty payload [MQTT-3.3.1-5] [MQTT-3.3.1-10]', () => {
    const store = new RetainedStore();
    store.apply(message('a/b', 'one'));
    store.apply(message('a/b', 'two'));
    expect(store.match('a/b', 0).map((m) => m.payload.toString())).toEqual(['two']);
    store.apply(message('a/b', ''));
    expect(store.match('a/b', 0)).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('matches filters with + and #, including the parent level of #', () => {
    const store = new RetainedStore();
    for (const topic of ['a', 'a/b', 'a/b/c', 'a/x/c', 'b', '$SYS/load']) store.apply(message(topic, 'x'));
    expect(topics(store, 'a/#')).toEqual(['a', 'a/b', 'a/b/c', 'a/x/c']);
    expect(topics(store, 'a/+/c')).toEqual(['a/b/c', 'a/x/c']);
    expect(topics(store, '+')).toEqual(['a', 'b']);
    expect(topics(store, '#')).toEqual(['a', 'a/b', 'a/b/c', 'a/x/c', 'b']);
    expect(topics(store, '$SYS/#')).toEqual(['$SYS/load']);
  });

  it('walks lazily, for browsing, the messages match() gives, with when each was stored, leaving expired ones out', () => {
    const store = new RetainedStore();
    for (const topic of ['a', 'a/b', 'a/b/c', 'a/x/c', 'b', '$SYS/load', 'x/y/z/w']) store.apply(message(topic, 'x'));
    store.apply(message('a/old', 'x', 500));
    expect([...store.stored('a/old', 499)].map((s) => s.message.topic)).toEqual(['a/old']);
    for (const filter of ['#', 'a/#', 'a/+/c', '+', '$SYS/#', '+/+', 'x/+/z/#', 'a/b', 'nothing/#', '+/#']) {
      const stored = [...store.stored(filter, 1_000)];
      expect(stored.map((s) => s.message.topic).sort(), filter).toEqual(topics(store, filter, 1_000));
      for (const s of stored) expect(s.storedAt, filter).toBeGreaterThan(0);
    }
  });

  it('leaves out and forgets expired messages', () => {
    const store = new RetainedStore();
    store.apply(message('t', 'x', 1000));
    expect(topics(store, 't', 999)).toEqual(['t']);
    expect(topics(store, 't', 1000)).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('counts bytes (topic + payload): a replacement counts the difference, a cleared or expired message frees its bytes', () => {
    const store = new RetainedStore();
    store.apply(message('a/b', 'x'.repeat(10)));
    store.apply(message('a/c', 'x'.repeat(20), 1000));
    expect(store.bytes).toBe(13 + 23);
    store.apply(message('a/b', 'x'.repeat(5)));
    expect(store.bytes).toBe(8 + 23);
    store.match('a/#', 1000);
    expect(store.bytes).toBe(8);
    store.apply(message('a/b', ''));
    expect(store.bytes).toBe(0);
  });

  it('admits a message only within the count and byte bounds; replacing and clearing always fit what they free', () => {
    const store = new RetainedStore();
    store.apply(message('t/1', 'x'.repeat(7)));
    expect(store.admits(message('t/2', 'y'), 1, 1000)).toBe(false);
    expect(store.admits(message('t/1', 'y'.repeat(17)), 1, 20)).toBe(true);
    expect(store.admits(message('t/1', 'y'.repeat(18)), 1, 20)).toBe(false);
    expect(store.admits(message('t/2', ''), 1, 0)).toBe(true);
  });

  it('forgets every expired message on request, at most once a second', () => {
    const store = new RetainedStore();
    store.apply(message('a/1', 'x', 1000));
    store.apply(message('b/2/3', 'x', 5000));
    store.apply(message('c', 'x'));
    expect(store.forgetExpired(2000)).toBe(true);
    expect(store.size).toBe(2);
    expect(store.forgetExpired(5500)).toBe(true);
    expect(store.forgetExpired(5600)).toBe(false);
    expect(store.size).toBe(1);
    expect(store.bytes).toBe(2);
  });
});
