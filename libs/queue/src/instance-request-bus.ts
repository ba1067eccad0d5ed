import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** A request larger than this is not read (the largest: a client filter and cursor of two 65535-byte client ids, JSON-escaped). */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * One thing the control plane may ask the broker node serving an instance: its name, the
 * schemas both sides validate with, and the largest reply read (a reply above it is dropped,
 * so the operation's own bounds, a page size, must keep it below).
 */
export interface InstanceOperation<Request, Reply> {
  readonly name: string;
  readonly request: z.ZodType<Request>;
  readonly reply: z.ZodType<Reply>;
  readonly maxReplyBytes: number;
}

export function instanceOperation<Request, Reply>(name: string, request: z.ZodType<Request>, reply: z.ZodType<Reply>, maxReplyBytes: number): InstanceOperation<Request, Reply> {
  return { name, request, reply, maxReplyBytes };
}

/** How a node answers one operation: undefined when it does not serve the instance (then it stays silent). */
export type OperationHandler<Request, Reply> = (instanceId: string, request: Request) => Promise<Reply | undefined>;

/** The node's handlers, one per operation it answers. */
export interface AnsweredOperation {
  readonly operation: InstanceOperation<never, unknown>;
  readonly handle: OperationHandler<never, unknown>;
}

export function answering<Request, Reply>(operation: InstanceOperation<Request, Reply>, handle: OperationHandler<Request, Reply>): AnsweredOperation {
  return { operation: operation as unknown as InstanceOperation<never, unknown>, handle: handle as OperationHandler<never, unknown> };
}

const envelopeSchema = z.strictObject({ requestId: z.uuid(), instanceId: z.uuid(), operation: z.string().max(100), request: z.unknown() });
const replyEnvelopeSchema = z.strictObject({ requestId: z.uuid(), reply: z.unknown() });

function parseJson(message: string, maxBytes: number): unknown {
  if (message.length > maxBytes || Buffer.byteLength(message) > maxBytes) return undefined;
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}

interface Waiting {
  operation: InstanceOperation<unknown, unknown>;
  resolve(reply: unknown): void;
}

/**
 * Request/reply between the control plane and the broker node serving an instance, over Redis
 * pub/sub: the control plane publishes `{requestId, instanceId, operation, request}`, every
 * node reads it, the node serving the instance answers `{requestId, reply}` on the reply
 * channel, the others stay silent. Both sides validate what they read with the operation's
 * schemas and drop anything else (unknown operation, bad shape, too large). A caller waits a
 * bounded time, and at most `maxWaiting` callers of a process wait at once.
 */
export class InstanceRequestBus {
  private readonly requests: string;
  private readonly replies: string;
  /** One connection receives every reply; each waiting request is one entry here, bounded. */
  private replySubscriber: Promise<Redis> | undefined;
  private readonly waiting = new Map<string, Waiting>();
  /** The largest reply any known operation may send: longer messages are not parsed. */
  private maxReplyBytes = 0;

  constructor(
    private readonly publisher: Redis,
    prefix: string,
    /** Requests waiting for a node at once, per process; beyond it a request is not sent (the caller gets undefined). */
    private readonly maxWaiting = 64,
  ) {
    this.requests = `${prefix}:instance-request`;
    this.replies = `${prefix}:instance-reply`;
  }

  /** The reply of the node serving the instance, or undefined when none answered within `timeoutMs` (or too many wait already). */
  async ask<Request, Reply>(operation: InstanceOperation<Request, Reply>, instanceId: string, request: Request, timeoutMs: number): Promise<Reply | undefined> {
    if (this.waiting.size >= this.maxWaiting) return undefined;
    this.maxReplyBytes = Math.max(this.maxReplyBytes, operation.maxReplyBytes);
    const requestId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<Reply | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.waiting.set(requestId, { operation: operation as InstanceOperation<unknown, unknown>, resolve: resolve as (reply: unknown) => void });
    });
    try {
      await this.subscribedForReplies();
      await this.publisher.publish(this.requests, JSON.stringify({ requestId, instanceId, operation: operation.name, request }));
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

  private onReply(message: string): void {
    const envelope = replyEnvelopeSchema.safeParse(parseJson(message, this.maxReplyBytes + 128));
    if (!envelope.success) return;
    const waiting = this.waiting.get(envelope.data.requestId);
    if (waiting === undefined || Buffer.byteLength(message) > waiting.operation.maxReplyBytes + 128) return;
    const reply = waiting.operation.reply.safeParse(envelope.data.reply);
    if (reply.success) waiting.resolve(reply.data);
  }

  private subscribedForReplies(): Promise<Redis> {
    this.replySubscriber ??= (async () => {
      const subscriber = this.publisher.duplicate();
      subscriber.on('error', () => undefined);
      subscriber.on('message', (_channel: string, message: string) => this.onReply(message));
      await subscriber.subscribe(this.replies);
      return subscriber;
    })();
    return this.replySubscriber;
  }

  /**
   * Answers requests on a dedicated connection with the given handlers; a reply larger than its
   * operation allows is not sent (the caller times out) and reported to `onError`.
   */
  async answer(handlers: readonly AnsweredOperation[], onError: (error: unknown) => void): Promise<() => Promise<void>> {
    const byName = new Map(handlers.map((h) => [h.operation.name, h]));
    const subscriber = this.publisher.duplicate();
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, message: string) => {
      const envelope = envelopeSchema.safeParse(parseJson(message, MAX_REQUEST_BYTES));
      if (!envelope.success) return;
      const { requestId, instanceId, operation, request } = envelope.data;
      const handler = byName.get(operation);
      const parsed = handler?.operation.request.safeParse(request);
      if (handler === undefined || !parsed?.success) return;
      void handler
        .handle(instanceId, parsed.data as never)
        .then(async (reply) => {
          if (reply === undefined) return;
          const text = JSON.stringify({ requestId, reply });
          if (Buffer.byteLength(text) > handler.operation.maxReplyBytes + 128) throw new Error(`the reply to ${operation} is larger than ${handler.operation.maxReplyBytes} bytes; not sent`);
          await this.publisher.publish(this.replies, text);
        })
        .catch(onError);
    });
    await subscriber.subscribe(this.requests);
    return async () => {
      await subscriber.quit().catch(() => subscriber.disconnect());
    };
  }
}
