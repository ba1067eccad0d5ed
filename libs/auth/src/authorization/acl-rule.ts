import { z } from 'zod';

/** Issue 13: the placeholders a rule topic may use; each fills one whole topic level. */
export const RULE_PLACEHOLDERS = ['clientid', 'username', 'cert_common_name', 'cert_subject'] as const;
export type RulePlaceholder = (typeof RULE_PLACEHOLDERS)[number];

export const ACL_PERMISSIONS = ['allow', 'deny'] as const;
export const ACL_ACTIONS = ['publish', 'subscribe', 'all'] as const;
export type AclPermission = (typeof ACL_PERMISSIONS)[number];
export type AclAction = (typeof ACL_ACTIONS)[number];
export type Qos = 0 | 1 | 2;

/** One rule, as stored by the built-in source and as read from a JWT or HTTP `acl`. */
export interface AclRule {
  permission: AclPermission;
  action: AclAction;
  /** An MQTT filter with placeholders, or `eq ` and a filter matched literally. */
  topic: string;
  /** The QoS levels the rule covers; absent: all. */
  qos?: Qos[];
  /** Publish only: the rule covers only publishes with this retain flag; absent: both. */
  retain?: boolean;
  /** The rule applies only to this client id (built-in rules). */
  clientId?: string;
  /** The rule applies only to this user name (built-in rules). */
  username?: string;
}

/** The prefix that makes a rule topic literal: `eq t/#` matches the filter `t/#` only. */
export const EQ_PREFIX = 'eq ';
/** MQTT's limit on a topic (two-byte length, UTF-8). */
export const MAX_TOPIC_BYTES = 65_535;

/** UTF-8 length without Node's Buffer (this folder stays pure). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const placeholderList = RULE_PLACEHOLDERS.map((p) => `\${${p}}`).join(', ');

/** Why `topic` is not a topic MQTT carries: empty, U+0000 [MQTT-1.5.3-2], longer than 65535 bytes. */
export function topicTextProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'topic must not be empty';
  if (topic.includes('\u0000')) return 'topic must not contain U+0000';
  if (utf8Length(topic) > MAX_TOPIC_BYTES) return `topic must be at most ${MAX_TOPIC_BYTES} bytes`;
  return undefined;
}

/** Why `filter` breaks [MQTT-4.7.1-2]/[MQTT-4.7.1-3] (`#` last and alone, `+` alone); `shown` is what the message names. */
export function wildcardProblem(filter: string, shown = filter): string | undefined {
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level === '#' && i !== levels.length - 1) return `topic "${shown}": '#' must be the last level`;
    if (level !== '#' && level !== '+' && (level.includes('#') || level.includes('+'))) return `topic "${shown}": a wildcard must fill a whole level`;
  }
  return undefined;
}

/**
 * Why `topic` cannot be a rule topic, or undefined when it can. A filter's wildcards follow
 * [MQTT-4.7.1-2]/[MQTT-4.7.1-3]; a placeholder is a known one and a whole level; `$share/` is
 * not written in rules (a shared subscription is checked by its filter).
 */
export function ruleTopicProblem(topic: string): string | undefined {
  const text = topicTextProblem(topic);
  if (text) return text;
  const literal = topic.startsWith(EQ_PREFIX);
  const filter = literal ? topic.slice(EQ_PREFIX.length) : topic;
  if (filter.length === 0) return `topic "${topic}" has nothing after "eq "`;
  const wildcards = wildcardProblem(filter, topic);
  if (wildcards) return wildcards;
  const levels = filter.split('/');
  if (filter.startsWith('$share/')) return `topic "${topic}": write the filter without "$share/{group}/"; a shared subscription is checked by its filter`;
  if (literal) return undefined;
  for (const level of levels) {
    for (const match of level.matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      if (!(RULE_PLACEHOLDERS as readonly string[]).includes(name)) return `topic "${topic}": unknown placeholder \${${name}}; use ${placeholderList}`;
      if (match[0] !== level) return `topic "${topic}": placeholder \${${name}} must fill a whole level (like a/\${${name}}/b)`;
    }
  }
  return undefined;
}

const ruleTopic = z
  .string({ error: 'topic must be a string' })
  .superRefine((topic, ctx) => {
    const problem = ruleTopicProblem(topic);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const identity = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .min(1, { error: `${field} must not be empty` })
    .max(MAX_TOPIC_BYTES, { error: `${field} must be at most ${MAX_TOPIC_BYTES} characters` });

const qosList = z
  .array(z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'qos must list 0, 1 or 2' }), { error: 'qos must be an array like [0, 1]' })
  .min(1, { error: 'qos must list at least one level (leave it out for all)' })
  .refine((levels) => new Set(levels).size === levels.length, { error: 'qos must not repeat a level' });

const ruleShape = {
  permission: z.enum(ACL_PERMISSIONS, { error: 'permission must be allow or deny' }),
  action: z.enum(ACL_ACTIONS, { error: 'action must be publish, subscribe or all' }),
  topic: ruleTopic,
  qos: qosList.optional(),
  retain: z.boolean({ error: 'retain must be true or false' }).optional(),
  clientId: identity('clientId').optional(),
  username: identity('username').optional(),
};

function closed<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field(s) for an ACL rule: ${issue.keys.join(', ')}`;
      if (issue.code === 'invalid_type') return 'an ACL rule must be an object';
      return undefined;
    },
  });
}

function retainOnlyForPublish(rule: { action?: AclAction; retain?: boolean }, ctx: z.RefinementCtx): void {
  if (rule.action === 'subscribe' && rule.retain !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['retain'], message: 'retain applies to publishes only; leave it out of a subscribe rule' });
  }
}

/** A rule of the built-in source (`POST …/acl-rules`, one line of an import). */
export const aclRuleSchema = closed(ruleShape).superRefine(retainOnlyForPublish);

/** `PATCH …/acl-rules/{ruleId}`: any subset; validate the merged rule with aclRuleSchema again. */
export const aclRulePatchSchema = closed({
  permission: ruleShape.permission.optional(),
  action: ruleShape.action.optional(),
  topic: ruleTopic.optional(),
  qos: ruleShape.qos,
  retain: ruleShape.retain,
  clientId: ruleShape.clientId,
  username: ruleShape.username,
}).superRefine(retainOnlyForPublish);

/** A rule of a JWT v2 claim or an HTTP `acl`: no per-client selectors (the claim is the client's). */
export const clientAclRuleSchema = closed({
  permission: ruleShape.permission,
  action: ruleShape.action,
  topic: ruleTopic,
  qos: ruleShape.qos,
  retain: ruleShape.retain,
}).superRefine(retainOnlyForPublish);
