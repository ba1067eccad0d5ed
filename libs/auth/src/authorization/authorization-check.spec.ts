import { describe, expect, it } from 'vitest';
import { authorizationCheckSchema, dryRunOf, requestTopicProblem } from './authorization-check';
import { foldChain } from './authorization-chain';
import { compileRules } from './compiled-rules';
import { compiledRulesSource } from './rule-sources';

function problems(input: unknown): string[] {
  const parsed = authorizationCheckSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
}

describe('authorizationCheckSchema (the dry run body)', () => {
  it('defaults qos to 0 and retain to false', () => {
    expect(authorizationCheckSchema.parse({ clientId: 'c', action: 'publish', topic: 'a/b' })).toEqual({ clientId: 'c', action: 'publish', topic: 'a/b', qos: 0, retain: false });
  });

  it('refuses unknown fields by name and names bad values', () => {
    expect(problems({ clientId: 'c', action: 'publish', topic: 't', clientid: 'x' })).toEqual(['unknown field(s) for an authorization check: clientid']);
    expect(problems({ clientId: 'c', action: 'all', topic: 't', qos: 3 })).toEqual(['action must be publish or subscribe', 'qos must be 0, 1 or 2']);
    expect(problems(null)).toEqual(['an authorization check must be an object']);
  });

  it('checks the topic as the broker would receive it', () => {
    expect(problems({ clientId: 'c', action: 'publish', topic: 'a/#' })).toEqual(['topic "a/#": a PUBLISH topic has no wildcards [MQTT-3.3.2-2]']);
    expect(problems({ clientId: 'c', action: 'subscribe', topic: 'a/#/b' })).toEqual([`topic "a/#/b": '#' must be the last level`]);
    expect(problems({ clientId: 'c', action: 'subscribe', topic: '$share/g' })).toEqual(['topic "$share/g": a shared filter reads $share/{group}/{filter}']);
    expect(problems({ clientId: 'c', action: 'subscribe', topic: '' })).toEqual(['topic must not be empty']);
  });
});

describe('requestTopicProblem', () => {
  it('accepts names, filters, shared filters, $SYS and text that looks like rule syntax', () => {
    expect(requestTopicProblem('publish', 'd/${clientid}')).toBeUndefined();
    expect(requestTopicProblem('publish', 'eq a')).toBeUndefined();
    expect(requestTopicProblem('subscribe', '$share/g/a/+/#')).toBeUndefined();
    expect(requestTopicProblem('subscribe', '$SYS/#')).toBeUndefined();
    expect(requestTopicProblem('subscribe', '$share/g/a#')).toBe('topic "$share/g/a#": a wildcard must fill a whole level');
  });
});

describe('dryRunOf', () => {
  it('yields the client and request the broker would check, and the fold names the rule', () => {
    const { client, request } = dryRunOf(authorizationCheckSchema.parse({ clientId: 'meter-17', username: 'alice', action: 'subscribe', topic: 'u/alice/#', qos: 1 }));
    const rules = compileRules([{ permission: 'allow', action: 'subscribe', topic: 'u/${username}/#', username: 'alice', id: 'r7' }], client);
    expect(foldChain([compiledRulesSource('a1', rules)], request, { noMatch: 'deny', superuser: false })).toEqual({
      decision: 'allow',
      by: { authorizerId: 'a1', type: 'built-in-database', ruleId: 'r7' },
      reason: 'rule r7 of built-in-database authorizer a1 allows subscribe on u/alice/#',
    });
  });
});
