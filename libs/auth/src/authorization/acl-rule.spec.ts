import { describe, expect, it } from 'vitest';
import { aclRulePatchSchema, aclRuleSchema, clientAclRuleSchema, ruleTopicProblem } from './acl-rule';

function problems(input: unknown): string[] {
  const parsed = aclRuleSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

describe('aclRuleSchema', () => {
  it('accepts a full rule and a minimal one', () => {
    const full = { permission: 'allow', action: 'publish', topic: 'devices/${clientid}/up', qos: [0, 1], retain: false, clientId: 'c1', username: 'u1' };
    expect(aclRuleSchema.parse(full)).toEqual(full);
    expect(aclRuleSchema.parse({ permission: 'deny', action: 'all', topic: '#' })).toEqual({ permission: 'deny', action: 'all', topic: '#' });
  });

  it('refuses unknown fields by name', () => {
    expect(problems({ permission: 'allow', action: 'all', topic: 't', clientid: 'x', qoss: [1] })).toEqual(['unknown field(s) for an ACL rule: clientid, qoss']);
  });

  it('names a bad permission, action, qos and retain', () => {
    expect(problems({ permission: 'permit', action: 'pub', topic: 't', qos: [3], retain: 'yes' })).toEqual([
      'permission must be allow or deny',
      'action must be publish, subscribe or all',
      'qos must list 0, 1 or 2',
      'retain must be true or false',
    ]);
    expect(problems({ permission: 'allow', action: 'all', topic: 't', qos: [] })).toEqual(['qos must list at least one level (leave it out for all)']);
    expect(problems({ permission: 'allow', action: 'all', topic: 't', qos: [1, 1] })).toEqual(['qos must not repeat a level']);
  });

  it('refuses retain on a subscribe rule', () => {
    expect(problems({ permission: 'allow', action: 'subscribe', topic: 't', retain: true })).toEqual([
      'retain applies to publishes only; leave it out of a subscribe rule',
    ]);
  });

  it('refuses a non-object body', () => {
    expect(problems('allow all #')).toEqual(['an ACL rule must be an object']);
  });
});

describe('ruleTopicProblem', () => {
  it.each([
    ['', 'topic must not be empty'],
    ['a/#/b', `topic "a/#/b": '#' must be the last level`],
    ['a/b#', 'topic "a/b#": a wildcard must fill a whole level'],
    ['a+/b', 'topic "a+/b": a wildcard must fill a whole level'],
    ['eq ', 'topic "eq " has nothing after "eq "'],
    ['a/${password}', 'topic "a/${password}": unknown placeholder ${password}; use ${clientid}, ${username}, ${cert_common_name}, ${cert_subject}'],
    ['a/${clientid}-up', 'topic "a/${clientid}-up": placeholder ${clientid} must fill a whole level (like a/${clientid}/b)'],
    ['$share/g/a/#', 'topic "$share/g/a/#": write the filter without "$share/{group}/"; a shared subscription is checked by its filter'],
    ['eq $share/g/a', 'topic "eq $share/g/a": write the filter without "$share/{group}/"; a shared subscription is checked by its filter'],
    ['a\u0000b', 'topic must not contain U+0000'],
  ])('%j: %s', (topic, problem) => {
    expect(ruleTopicProblem(topic)).toBe(problem);
  });

  it('accepts filters, whole-level placeholders, $SYS and literal eq topics', () => {
    for (const topic of ['#', '+', 'a/+/b/#', 'u/${username}/c/${clientid}', 'x/${cert_common_name}/${cert_subject}', '$SYS/#', 'eq a/#', 'eq a/${clientid}']) {
      expect(ruleTopicProblem(topic)).toBeUndefined();
    }
  });

  it('bounds a topic at 65535 UTF-8 bytes, counting multi-byte characters', () => {
    expect(ruleTopicProblem('a'.repeat(65_535))).toBeUndefined();
    expect(ruleTopicProblem('é'.repeat(32_768))).toBe('topic must be at most 65535 bytes');
    expect(ruleTopicProblem('😀'.repeat(16_384))).toBe('topic must be at most 65535 bytes');
    expect(ruleTopicProblem('😀'.repeat(16_383))).toBeUndefined();
  });
});

describe('aclRulePatchSchema and clientAclRuleSchema', () => {
  it('a patch may hold any subset, and still refuses unknown fields', () => {
    expect(aclRulePatchSchema.parse({ topic: 'a/b' })).toEqual({ topic: 'a/b' });
    expect(aclRulePatchSchema.safeParse({ topik: 'a' }).error?.issues[0]?.message).toBe('unknown field(s) for an ACL rule: topik');
  });

  it('a client acl rule has no clientId or username selector', () => {
    const parsed = clientAclRuleSchema.safeParse({ permission: 'allow', action: 'all', topic: 't', clientId: 'other' });
    expect(parsed.error?.issues[0]?.message).toBe('unknown field(s) for an ACL rule: clientId');
  });
});
