import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AUTHORIZER_TYPES, authorizationCheckSchema, type AuthorizationCheck, type AuthorizationVerdict } from '@mqc/auth';

/** A message larger than this is not read (a check and a verdict are a few hundred bytes). */
const MAX_MESSAGE_BYTES = 16 * 1024;

const requestSchema = z.strictObject({ requestId: z.uuid(), instanceId: z.uuid(), check: authorizationCheckSchema });

const replySchema = z.strictObject({
  requestId: z.uuid(),
  verdict: z.strictObject({
    decision: z.enum(['allow', 'deny']),
    by: z.strictObject({ authorizerId: z.uuid(), type: z.enum(AUTHORIZER_TYPES as [string, ...string[]]), ruleId: z.uuid().optional() }).nullable(),
    reason: z.string().max(2_000),
  }),
});

export type AuthorizationCheckRequest = z.infer<typeof requestSchema>;

function parse<T>(schema: z.ZodType<T>, message: string): T | undefined {
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The dry run's request/reply over Redis pub/sub (issue 13): the control plane publishes
 * `{requestId, instanceId, check}`, the broker node serving that instance evaluates it with the
 * chain it has loaded and publishes `{requestId, verdict}` on the reply channel. Both sides
 * validate what they read; anything else is dropped.
 */
export class AuthorizationCheckBus {
  private readonly requests: string;
  private readonly replies: string;
  /** One connection receives every reply; each waiting dry run is one entry here, bounded. */
  private replySubscriber: Promise<Redis> | undefined;
  private readonly waiting = new Map<string, (verdict: AuthorizationVerdict) => void>();

  constructor(
    private readonly publisher: Redis,
    prefix: string,
    /** Dry runs waiting for a node at once, per process; beyond it a dry run does not ask (the caller falls back). */
    private readonly maxWaiting = 64,
  ) {
    this.requests = `${prefix}:authorization-check`;
    this.replies = `${prefix}:authorization-check-reply`;
  }

  /** The verdict of the node serving the instance, or undefined when none answered within `timeoutMs` (or too many wait already). */
  async ask(instanceId: string, check: AuthorizationCheck, timeoutMs: number): Promise<AuthorizationVerdict | undefined> {
    if (this.waiting.size >= this.maxWaiting) return undefined;
    const requestId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<AuthorizationVerdict | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiting.set(requestId, resolve);
    });
    try {
      await this.subscribedForReplies();
      const request: AuthorizationCheckRequest = { requestId, instanceId, check };
      await this.publisher.publish(this.requests, JSON.stringify(request));
      return await answered;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(requestId);
    }
  }

  /** Stops receiving replies (the process is closing). */
  async close(): Promise<void> {
    const subscriber = await this.replySubscriber?.catch(() => undefined);
    this.replySubscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  private subscribedForReplies(): Promise<Redis> {
    this.replySubscriber ??= (async () => {
      const subscriber = this.publisher.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, message: string) => {
        const reply = parse(replySchema, message);
        if (reply !== undefined) this.waiting.get(reply.requestId)?.(reply.verdict as AuthorizationVerdict);
      });
      await subscriber.subscribe(this.replies);
      return subscriber;
    })();
    return this.replySubscriber;
  }

  /** Answers requests on a dedicated connection; `evaluate` returns undefined for an instance this node does not serve (then it stays silent). */
  async answer(evaluate: (instanceId: string, check: AuthorizationCheck) => Promise<AuthorizationVerdict | undefined>, onError: (error: unknown) => void): Promise<() => Promise<void>> {
    const subscriber = this.publisher.duplicate();
    subscriber.on('message', (_channel: string, message: string) => {
      const request = parse(requestSchema, message);
      if (request === undefined) return;
      void evaluate(request.instanceId, request.check)
        .then(async (verdict) => {
          if (verdict === undefined) return;
          await this.publisher.publish(this.replies, JSON.stringify({ requestId: request.requestId, verdict }));
        })
        .catch(onError);
    });
    await subscriber.subscribe(this.requests);
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }
}
