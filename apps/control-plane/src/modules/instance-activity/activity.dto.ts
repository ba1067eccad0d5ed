import { z } from 'zod';
import { ACTIVITY_EVENT_TYPES } from '@mqc/queue';

const counts = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])) as Record<K, z.ZodNumber>);

const retained = z.object({ count: z.number().int(), bytes: z.number().int() });
const authentication = counts(['allow', 'deny', 'error'] as const);
const authorization = counts(['allow', 'deny'] as const);
const rates = z.object({ receivedPerSecond: z.number(), sentPerSecond: z.number() });

export const metricsSchema = z.object({
  at: z.iso.datetime().nullable().describe('when the broker node serving the instance last wrote these figures (every second); null when no node has served it in the last 15 s (gauges and rates are then 0)'),
  connections: z.number().int().describe('connected clients'),
  sessions: z.number().int().describe('sessions, online and offline'),
  subscriptions: z.number().int(),
  retained,
  messages: z.object({
    received: z.number().int().describe('PUBLISH packets received from clients since the instance was created'),
    sent: z.number().int().describe('PUBLISH packets sent to subscribers since the instance was created'),
    dropped: z.record(z.string(), z.number().int()).describe('requests refused and messages dropped to keep the instance within its limits, by reason (rate-limit, queue-full, retained-quota, …); reasons never seen are absent'),
  }),
  rates,
  authentication: authentication.describe('CONNECTs the authentication chain allowed, denied (throttled ones included), or failed on'),
  authorization: authorization.describe('authorization checks of publishes, subscribes and deliveries'),
  eventLog: z.object({ dropped: z.number().int().describe('events lost because the node could not write them fast enough'), sampledOut: z.number().int().describe('frequent events (denials, drops) beyond 20 per type and second, counted but not logged') }),
});

export const historyQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('default: 15 minutes before `to`'),
    to: z.iso.datetime({ offset: true }).optional().describe('default: now'),
    step: z.coerce.number().int().min(1).max(86_400).optional().describe('seconds per point; default: 1 when `from` is within the last hour, else 60. Within the last hour any step; before it a multiple of 60'),
  })
  .strict();

export const historyPointSchema = z.object({
  at: z.iso.datetime().describe('start of the point'),
  connections: z.number().int().describe('at the end of the point'),
  sessions: z.number().int(),
  subscriptions: z.number().int(),
  retained,
  messages: z.object({ received: z.number().int(), sent: z.number().int(), dropped: z.number().int() }).describe('during the point'),
  rates,
  authentication,
  authorization,
});

export const historySchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  step: z.number().int(),
  resolution: z.enum(['second', 'minute']).describe('second: the last hour, one point a second; minute: 30 days, one point a minute'),
  points: z.array(historyPointSchema).describe('oldest first; seconds or minutes when nothing was written (the instance was not served) have no point'),
});

export const eventsQuerySchema = z
  .object({
    type: z.enum(ACTIVITY_EVENT_TYPES).optional(),
    clientId: z.string().max(65_535).optional(),
    from: z.iso.datetime({ offset: true }).optional().describe('only events at or after this time'),
    cursor: z.string().regex(/^\d{1,20}-\d{1,20}$/, 'a cursor is the nextCursor of an earlier page').optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const eventSchema = z
  .object({
    id: z.string().describe('the event id; also a cursor'),
    type: z.enum(ACTIVITY_EVENT_TYPES),
    at: z.iso.datetime(),
    clientId: z.string().optional(),
    username: z.string().optional(),
    source: z.string().optional().describe("the client's address"),
    reason: z.string().optional().describe('why: the reason string a 5.0 client reads in its CONNACK or DISCONNECT, the authorization decision, the drop reason'),
    connackCode: z.number().int().nullable().optional().describe('client.connect-refused and client.throttled: the CONNACK code the client got (3.1.1 return code or 5.0 reason code)'),
    authenticator: z.object({ id: z.uuid(), type: z.string().nullable().describe('null when it was deleted since') }).nullable().optional().describe('the authenticator that let the client in or refused it; null when the anonymous policy or a check before the chain decided'),
    rule: z.object({ authorizerId: z.uuid(), type: z.string(), ruleId: z.uuid().optional() }).nullable().optional().describe('authorization.denied: the authorizer (and acl-rules id) that denied; null when the noMatch policy did'),
  })
  .passthrough();

export const eventPageSchema = z.object({
  items: z.array(eventSchema).describe('newest first'),
  nextCursor: z.string().nullable().describe('pass as cursor for older events; null when there are none'),
});
