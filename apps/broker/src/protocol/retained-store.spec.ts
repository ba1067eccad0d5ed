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

  it('leaves out and forgets expired messages', () => {
    const store = new RetainedStore();
    store.apply(message('t', 'x', 1000));
    expect(topics(store, 't', 999)).toEqual(['t']);
    expect(topics(store, 't', 1000)).toEqual([]);
    expect(store.size).toBe(0);
  });
});
