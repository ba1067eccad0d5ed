import { describe, expect, it } from 'vitest';
import { isValidTopicFilter, isValidTopicName, parseFilter } from './topic-validation';

const limits = { maxTopicLength: 32, maxTopicLevels: 4 };

describe('topic validation', () => {
  it.each(['a', 'a/b', '/', 'a//b', '$SYS/x'])('accepts topic name %s', (topic) => expect(isValidTopicName(topic, limits)).toBe(true));
  it.each(['', 'a/+', '#', 'a\u0000b', 'x'.repeat(33), 'a/b/c/d/e'])('rejects topic name %j', (topic) => expect(isValidTopicName(topic, limits)).toBe(false));
  it.each(['#', '+', 'a/#', 'a/+/b', '+/+', '/#'])('accepts filter %s', (filter) => expect(isValidTopicFilter(filter, limits)).toBe(true));
  it.each(['', 'a/#/b', 'a#', 'a/b+', '#/a'])('rejects filter %j [MQTT-4.7.1-2] [MQTT-4.7.1-3]', (filter) => expect(isValidTopicFilter(filter, limits)).toBe(false));

  it('parses shared subscriptions and rejects bad share names', () => {
    expect(parseFilter('$share/group/a/+', limits)).toEqual({ filter: 'a/+', shareGroup: 'group' });
    expect(parseFilter('a/b', limits)).toEqual({ filter: 'a/b' });
    expect(parseFilter('$share//a', limits)).toBeUndefined();
    expect(parseFilter('$share/g+/a', limits)).toBeUndefined();
    expect(parseFilter('$share/g', limits)).toBeUndefined();
    expect(parseFilter('$share/g/', limits)).toBeUndefined();
  });
});
