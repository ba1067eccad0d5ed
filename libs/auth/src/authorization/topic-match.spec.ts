import { describe, expect, it } from 'vitest';
import { filterCovers, isSafeLevelValue, unsharedFilter } from './topic-match';

const covers = (rule: string, request: string) => filterCovers(rule.split('/'), request);

describe('filterCovers on topic names (PUBLISH, deliveries)', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/b/c', false],
    ['a/b/c', 'a/b', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a', false],
    ['a/+', 'a/', true],
    ['+/+', 'a/b', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['#', 'a/b', true],
    ['a//b', 'a//b', true],
    ['+', '/a', false],
    ['ab', 'a', false],
    ['a', 'ab', false],
    ['a/b', 'a/bc', false],
    ['a/b', 'a/b/', false],
    ['a/+', 'ab/c', false],
    ['+/b', '/b', true],
    ['a/+/#', 'a//x', true],
    ['tenant/data/meter-17/#', 'tenant/data/meter-17', true],
    ['tenant/0/meter-17/#', 'tenant/data/meter-17/temp', false],
  ])('%s covers %s: %s', (rule, request, expected) => {
    expect(covers(rule, request)).toBe(expected);
  });

  it('a leading + or # does not match $ topics [MQTT-4.7.2-1]', () => {
    expect(covers('#', '$SYS/broker/uptime')).toBe(false);
    expect(covers('+/broker/uptime', '$SYS/broker/uptime')).toBe(false);
    expect(covers('$SYS/#', '$SYS/broker/uptime')).toBe(true);
    expect(covers('$SYS/+/uptime', '$SYS/broker/uptime')).toBe(true);
    expect(covers('a/#', 'a/$SYS')).toBe(true);
  });
});

describe('filterCovers on filters (SUBSCRIBE): the rule must cover all the request covers', () => {
  it.each([
    ['a/#', 'a/#', true],
    ['a/#', 'a/+', true],
    ['a/#', 'a/+/b', true],
    ['a/#', 'a/b/#', true],
    ['#', '#', true],
    ['#', '+/x', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a/b', true],
    ['a/b', 'a/+', false],
    ['a/b', 'a/#', false],
    ['a', 'a/#', false],
    ['+', '#', false],
    ['a/b/#', 'a/#', false],
    ['a/+/c', 'a/+/+', false],
    ['+/+/c', 'a/+/c', true],
  ])('%s covers %s: %s', (rule, request, expected) => {
    expect(covers(rule, request)).toBe(expected);
  });

  it('a leading wildcard rule does not cover $SYS filters', () => {
    expect(covers('#', '$SYS/#')).toBe(false);
    expect(covers('+/#', '$SYS/broker/#')).toBe(false);
    expect(covers('$SYS/#', '$SYS/broker/#')).toBe(true);
  });
});

describe('unsharedFilter', () => {
  it('strips $share/{group}/ and keeps anything else as written', () => {
    expect(unsharedFilter('$share/g1/a/b/#')).toBe('a/b/#');
    expect(unsharedFilter('$share/g1/#')).toBe('#');
    expect(unsharedFilter('a/$share/g/b')).toBe('a/$share/g/b');
    expect(unsharedFilter('$share//a')).toBe('$share//a');
    expect(unsharedFilter('$share/g')).toBe('$share/g');
  });
});

describe('isSafeLevelValue', () => {
  it('refuses values that could widen or move a level: missing, empty, /, +, #', () => {
    for (const value of [undefined, '', '+', '#', 'a/b', '/', 'x+', 'x#y', 'a\u0000']) expect(isSafeLevelValue(value)).toBe(false);
    for (const value of ['meter-17', 'CN=a,O=b', '$x', ' ', 'é']) expect(isSafeLevelValue(value)).toBe(true);
  });
});
