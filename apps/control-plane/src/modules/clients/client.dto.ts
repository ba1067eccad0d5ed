import { z } from 'zod';
import { clientDetailSchema, clientSummarySchema, MAX_KEY, MAX_PAGE, retainedViewSchema } from '@mqc/queue';

const NOT_A_CURSOR = 'cursor is the nextCursor of a previous page';

/** Cursors are the last key of the previous page (a client id, a topic) in base64url: opaque to the caller. */
const cursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,262144}$/, { error: NOT_A_CURSOR })
  .transform((text) => Buffer.from(text, 'base64url').toString('utf8'))
  .refine((key) => key.length > 0 && key.length <= MAX_KEY, { error: NOT_A_CURSOR });

export function cursorOf(key: string | null): string | null {
  return key === null ? null : Buffer.from(key, 'utf8').toString('base64url');
}

const limit = z.coerce.number().int().min(1).max(MAX_PAGE).default(50);
const text = (max: number) => z.string().min(1).max(max);

export const listClientsSchema = z
  .object({
    connected: z.enum(['true', 'false'], { error: 'connected is true or false' }).transform((v) => v === 'true').optional().describe('true: connected clients only; false: offline persistent sessions only'),
    clientId: text(MAX_KEY).optional().describe('client ids starting with this'),
    username: text(MAX_KEY).optional().describe('this user name exactly'),
    peerHost: text(100).optional().describe('this source address exactly'),
    limit: limit.describe(`1 to ${MAX_PAGE}, default 50`),
    cursor: cursor.optional(),
  })
  .strict();

export const clientViewSchema = clientSummarySchema;
export const clientPageSchema = z.object({ items: z.array(clientSummarySchema), nextCursor: z.string().nullable() });
export const clientDetailViewSchema = clientDetailSchema;

export const kickQuerySchema = z
  .object({ clearSession: z.enum(['true', 'false'], { error: 'clearSession is true or false' }).transform((v) => v === 'true').default(false) })
  .strict();

/** A topic name to clear: no wildcards. */
const topicName = z
  .string()
  .min(1)
  .max(MAX_KEY)
  .refine((t) => !/[+#]/.test(t) && !t.includes('\u0000'), { error: 'topic is a topic name: no + or # wildcard' });

/** A topic filter to browse: wildcards allowed where MQTT allows them. */
const topicFilter = z
  .string()
  .min(1)
  .max(MAX_KEY)
  .refine((f) => f.split('/').every((level, i, all) => (level === '#' ? i === all.length - 1 : level === '+' || !/[+#]/.test(level))) && !f.includes('\u0000'), {
    error: 'topic is a topic filter: + stands for a whole level, # for the last level',
  });

export const listRetainedSchema = z
  .object({ topic: topicFilter.default('#').describe('a topic filter, default # (all topics not starting with $)'), limit: limit.describe(`1 to ${MAX_PAGE}, default 50`), cursor: cursor.optional() })
  .strict();

export const deleteRetainedSchema = z.object({ topic: topicName }).strict();

export const retainedPageSchema = z.object({ items: z.array(retainedViewSchema), nextCursor: z.string().nullable() });
