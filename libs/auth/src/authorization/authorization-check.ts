import { z } from 'zod';
import { MAX_TOPIC_BYTES, topicTextProblem, wildcardProblem } from './acl-rule';
import type { AuthorizationClient, AuthorizationRequest } from './compiled-rules';
import { unsharedFilter } from './topic-match';

/** Why `topic` is not what a client could send for `action` (a topic name, or a filter that may be shared), or undefined. */
export function requestTopicProblem(action: AuthorizationRequest['action'], topic: string): string | undefined {
  const text = topicTextProblem(topic);
  if (text) return text;
  if (action === 'publish') return topic.includes('+') || topic.includes('#') ? `topic "${topic}": a PUBLISH topic has no wildcards [MQTT-3.3.2-2]` : undefined;
  const filter = unsharedFilter(topic);
  if (filter === topic && topic.startsWith('$share/')) return `topic "${topic}": a shared filter reads $share/{group}/{filter}`;
  return wildcardProblem(filter, topic);
}

const checkShape = {
  clientId: z.string({ error: 'clientId must be a string' }).max(MAX_TOPIC_BYTES, { error: `clientId must be at most ${MAX_TOPIC_BYTES} characters` }),
  username: z.string({ error: 'username must be a string' }).max(MAX_TOPIC_BYTES, { error: `username must be at most ${MAX_TOPIC_BYTES} characters` }).optional(),
  action: z.enum(['publish', 'subscribe'], { error: 'action must be publish or subscribe' }),
  topic: z.string({ error: 'topic must be a string' }),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'qos must be 0, 1 or 2' }).default(0),
  retain: z.boolean({ error: 'retain must be true or false' }).default(false),
};

/**
 * `POST /v1/instances/{id}/authorization/check`: `{clientId, username?, action, topic, qos?
 * (0), retain? (false)}`. The topic is checked as the broker would receive it.
 */
export const authorizationCheckSchema = z
  .strictObject(checkShape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field(s) for an authorization check: ${issue.keys.join(', ')}`;
      if (issue.code === 'invalid_type') return 'an authorization check must be an object';
      return undefined;
    },
  })
  .superRefine((body, ctx) => {
    const problem = requestTopicProblem(body.action, body.topic);
    if (problem) ctx.addIssue({ code: 'custom', path: ['topic'], message: problem });
  });

export type AuthorizationCheck = z.infer<typeof authorizationCheckSchema>;

/** The client and request a dry run evaluates (a dry run has no certificate: cert placeholders never match). */
export function dryRunOf(check: AuthorizationCheck): { client: AuthorizationClient; request: AuthorizationRequest } {
  return {
    client: { clientId: check.clientId, username: check.username },
    request: { action: check.action, topic: check.topic, qos: check.qos, retain: check.retain },
  };
}
