import { describe, expect, it } from 'vitest';
import { parseCsvRules, parseJsonRules } from './acl-rule-import-parser';

describe('the ACL rule import parser', () => {
  it('reads the columns in any order and case, qos as 0|1, retain as true/false/1/0, an empty cell as a field left out', () => {
    const csv = 'Topic,PERMISSION,action,qos,retain,clientid,username\r\n"a/${clientid}/x,y",allow,publish,0|2,1,meter-1,\r\nb/#,deny,subscribe,,,,ops\r\n';
    expect(parseCsvRules(csv)).toEqual({
      rules: [
        { line: 2, rule: { topic: 'a/${clientid}/x,y', permission: 'allow', action: 'publish', qos: [0, 2], retain: true, clientId: 'meter-1' } },
        { line: 3, rule: { topic: 'b/#', permission: 'deny', action: 'subscribe', username: 'ops' } },
      ],
      problems: [],
    });
  });

  it('names each bad cell by line and column, and keeps no rule of a bad line', () => {
    const csv = ['permission,action,topic,qos,retain', 'allow,all,a,0|x,', 'allow,publish,a,1,maybe', 'allow,all,a/b#,,'].join('\n');
    const { rules, problems } = parseCsvRules(csv);
    expect(rules).toEqual([]);
    expect(problems).toEqual([
      { line: 2, field: 'qos', message: 'qos must list levels 0, 1 or 2 separated by | (like 0|1), or be empty for all' },
      { line: 3, field: 'retain', message: 'retain must be true or false' },
      { line: 4, field: 'topic', message: 'topic "a/b#": a wildcard must fill a whole level' },
    ]);
  });

  it('refuses a header without the required columns, an unknown or a repeated column, and an empty file', () => {
    expect(parseCsvRules('permission,topic\nallow,a').problems[0]).toMatchObject({ line: 1, field: '(header)', message: expect.stringContaining('missing column(s) action') });
    expect(parseCsvRules('permission,action,topic,priority\nallow,all,a,1').problems[0]?.message).toContain('unknown column(s) priority');
    expect(parseCsvRules('permission,action,topic,Topic\nallow,all,a,b').problems[0]?.message).toBe('column(s) named twice: topic');
    expect(parseCsvRules('').problems[0]).toMatchObject({ line: 1, field: '(header)' });
    expect(parseCsvRules('permission,action,topic\n').problems).toEqual([{ line: 1, field: '(body)', message: 'the file has no rules' }]);
  });

  it('reads a JSON array of rule bodies, naming a bad element by the line it starts on', () => {
    const text = '[\n  {"permission": "allow", "action": "all", "topic": "a"},\n\n  {"permission": "allow", "action": "all", "topic": "a", "priority": 1}\n]';
    const { rules, problems } = parseJsonRules(JSON.parse(text), text);
    expect(rules).toEqual([{ line: 2, rule: { permission: 'allow', action: 'all', topic: 'a' } }]);
    expect(problems).toEqual([{ line: 4, field: '(row)', message: 'unknown field(s) for an ACL rule: priority' }]);
    expect(parseJsonRules({ rules: [] }).problems).toEqual([{ line: 1, field: '(body)', message: 'must be a JSON array of rules' }]);
  });
});
