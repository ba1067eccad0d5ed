import { describe, expect, it } from 'vitest';
import { compileRules, evaluateRules } from './compiled-rules';
import { MAX_DATABASE_ACL_ROWS, parseAclRows, parseRedisAclHash } from './database-acl';

const client = { clientId: 'dev-1', username: 'alice' };

describe('parseAclRows (EMQX SQL rows)', () => {
  it('turns rows into rules in row order, ids row[i], other columns ignored', () => {
    const acl = parseAclRows([
      { id: 7, permission: 'deny', action: 'publish', topic: 'cmd/secret', qos: null, retain: null },
      { permission: 'allow', action: 'all', topic: 'cmd/#' },
    ]);
    expect(acl).toEqual({
      kind: 'rules',
      rules: [
        { permission: 'deny', action: 'publish', topic: 'cmd/secret', id: 'row[0]' },
        { permission: 'allow', action: 'all', topic: 'cmd/#', id: 'row[1]' },
      ],
    });
  });

  it('reads qos as a number, a "0,1" list or an array, and retain as a boolean, 1/0 or text', () => {
    const acl = parseAclRows([
      { permission: 'allow', action: 'publish', topic: 'a', qos: 1, retain: 0 },
      { permission: 'allow', action: 'publish', topic: 'b', qos: '0, 2', retain: 'true' },
      { permission: 'allow', action: 'publish', topic: 'c', qos: [2, 1], retain: true },
      { permission: 'allow', action: 'publish', topic: 'd', qos: '', retain: '' },
    ]);
    expect(acl.kind === 'rules' && acl.rules.map(({ qos, retain }) => ({ qos, retain }))).toEqual([
      { qos: [1], retain: false },
      { qos: [0, 2], retain: true },
      { qos: [2, 1], retain: true },
      { qos: undefined, retain: undefined },
    ]);
  });

  it('ignores a subscribe row\'s retain (one column serves every row)', () => {
    const acl = parseAclRows([{ permission: 'allow', action: 'subscribe', topic: 'a/#', retain: 1 }]);
    expect(acl).toEqual({ kind: 'rules', rules: [{ permission: 'allow', action: 'subscribe', topic: 'a/#', id: 'row[0]' }] });
  });

  it('makes the whole answer unreadable, naming the row, for a bad permission, action, topic, qos or retain', () => {
    const good = { permission: 'allow', action: 'publish', topic: 'a' };
    const reason = (row: Record<string, unknown>) => {
      const acl = parseAclRows([good, row]);
      return acl.kind === 'unreadable' ? acl.reason : undefined;
    };
    expect(reason({ ...good, permission: 'ALLOW' })).toMatch(/^row\[1\]: permission: permission must be allow or deny/);
    expect(reason({ ...good, action: 'pub' })).toMatch(/^row\[1\]: action: action must be publish, subscribe or all/);
    expect(reason({ ...good, topic: 'a/#/b' })).toMatch(/^row\[1\]: topic: .*'#' must be the last level/);
    expect(reason({ ...good, topic: 'a/${password}' })).toMatch(/^row\[1\]: topic: .*unknown placeholder/);
    expect(reason({ ...good, topic: null })).toMatch(/^row\[1\]: topic: topic must be a string/);
    expect(reason({ ...good, qos: '0,3' })).toMatch(/^row\[1\]: qos must be 0, 1, 2/);
    expect(reason({ ...good, retain: 'yes' })).toMatch(/^row\[1\]: retain must be true or false/);
  });

  it('refuses more rows than it reads for one client', () => {
    const rows = Array.from({ length: MAX_DATABASE_ACL_ROWS + 1 }, () => ({ permission: 'allow', action: 'publish', topic: 'a' }));
    expect(parseAclRows(rows)).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/at most 1000/) });
  });

  it('compiles with the engine: placeholders fill whole levels, eq is literal, first match wins', () => {
    const acl = parseAclRows([
      { permission: 'deny', action: 'subscribe', topic: 'eq devices/#' },
      { permission: 'allow', action: 'all', topic: 'devices/${clientid}/#' },
    ]);
    if (acl.kind !== 'rules') throw new Error(acl.reason);
    const compiled = compileRules(acl.rules, client);
    expect(evaluateRules(compiled, { action: 'subscribe', topic: 'devices/#', qos: 0, retain: false })).toMatchObject({ kind: 'deny', ruleId: 'row[0]' });
    expect(evaluateRules(compiled, { action: 'publish', topic: 'devices/dev-1/t', qos: 0, retain: false })).toMatchObject({ kind: 'allow', ruleId: 'row[1]' });
    expect(evaluateRules(compiled, { action: 'publish', topic: 'devices/dev-2/t', qos: 0, retain: false })).toEqual({ kind: 'no-match' });
  });
});

describe('parseRedisAclHash (EMQX topic → action)', () => {
  it('allows each topic for its action', () => {
    expect(parseRedisAclHash({ 'a/${username}': 'publish', 'b/#': 'subscribe', c: 'all' })).toEqual({
      kind: 'rules',
      rules: [
        { permission: 'allow', action: 'publish', topic: 'a/${username}', id: 'a/${username}' },
        { permission: 'allow', action: 'subscribe', topic: 'b/#', id: 'b/#' },
        { permission: 'allow', action: 'all', topic: 'c', id: 'c' },
      ],
    });
  });

  it('is unreadable for an unknown action or a bad topic, naming the field', () => {
    expect(parseRedisAclHash({ a: 'pub' })).toEqual({ kind: 'unreadable', reason: 'field "a": action must be publish, subscribe or all, not "pub"' });
    expect(parseRedisAclHash({ 'a/#/b': 'all' })).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^field "a\/#\/b": .*'#' must be the last level/) });
  });
});
