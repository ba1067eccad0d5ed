import { z } from 'zod';
import type { AsyncAuthorizationSource, AuthorizationRequest, HttpAuthorizerConfig, SourceResult } from '@mqc/auth';
import { HttpAuthError, TemplatedHttpClient, type TemplatedHttpOptions } from '../external/templated-http';
import type { BackendAuthorizer, BackendAuthorizationClient } from './backend-authorizer';

export interface HttpAuthorizerOptions extends TemplatedHttpOptions {
  /** Milliseconds since the epoch, for the cache's TTL; injectable for tests. */
  now?: () => number;
  /** Answers kept per client at most; the oldest goes first. Default 1,024. */
  maxCachedPerClient?: number;
}

const responseSchema = z.object({
  result: z.enum(['allow', 'deny', 'ignore'], { error: 'result must be "allow", "deny" or "ignore"' }),
});

const ALLOW: SourceResult = Object.freeze({ kind: 'allow' });
const DENY: SourceResult = Object.freeze({ kind: 'deny' });
const IGNORE: SourceResult = Object.freeze({ kind: 'no-match' });

/** One client's answers, by action, QoS, retain and topic, each until its expiry. */
class AnswerCache {
  private readonly answers = new Map<string, { result: SourceResult; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  static keyOf(request: AuthorizationRequest): string {
    return `${request.action}|${request.qos}|${request.retain ? 1 : 0}|${request.topic}`;
  }

  get(key: string): SourceResult | undefined {
    const entry = this.answers.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > this.now()) return entry.result;
    this.answers.delete(key);
    return undefined;
  }

  set(key: string, result: SourceResult): void {
    if (this.ttlMs <= 0) return;
    this.answers.delete(key);
    if (this.answers.size >= this.max) this.answers.delete(this.answers.keys().next().value as string);
    this.answers.set(key, { result, until: this.now() + this.ttlMs });
  }
}

/**
 * The `http` authorizer (EMQX's HTTP authorization contract): GET or POST to the tenant's URL
 * with `${clientid}`, `${username}`, `${peerhost}`, the certificate placeholders, `${topic}`,
 * `${action}` (`publish`|`subscribe`), `${qos}` (`0`|`1`|`2`) and `${retain}` (`true`|`false`)
 * rendered. 204 → allow; 200 `{"result": "allow"|"deny"|"ignore"}` → that result (`ignore` is
 * no-match); any other status, a redirect, a timeout, a transport error, a body over the cap or
 * outside the contract → error (the chain fails closed). Answers other than errors are kept
 * `cacheTtlSeconds` per client, action, QoS, retain and topic (0: asked every time).
 */
export class HttpAuthorizer implements BackendAuthorizer {
  readonly type = 'http';
  private readonly client: TemplatedHttpClient;
  private readonly now: () => number;
  private readonly maxCachedPerClient: number;

  constructor(
    readonly id: string,
    private readonly config: HttpAuthorizerConfig,
    options: HttpAuthorizerOptions = {},
  ) {
    this.client = new TemplatedHttpClient(config, options);
    this.now = options.now ?? Date.now;
    this.maxCachedPerClient = options.maxCachedPerClient ?? 1_024;
  }

  /** One client's source: its own answer cache, emptied with the chain it belongs to. */
  source(who: BackendAuthorizationClient): AsyncAuthorizationSource {
    const cache = new AnswerCache(this.config.cacheTtlSeconds * 1000, this.maxCachedPerClient, this.now);
    return {
      id: this.id,
      type: 'http',
      sync: false,
      cached: (request) => cache.get(AnswerCache.keyOf(request)),
      check: async (request) => {
        const key = AnswerCache.keyOf(request);
        const known = cache.get(key);
        if (known !== undefined) return known;
        const result = await this.ask(who, request);
        if (result.kind !== 'error') cache.set(key, result);
        return result;
      },
    };
  }

  /** Asks the service, never throws: a broken contract or an unreachable service is `error`. */
  async ask(who: BackendAuthorizationClient, request: AuthorizationRequest): Promise<SourceResult> {
    try {
      const answer = await this.client.call({
        clientid: who.clientId,
        username: who.username,
        password: undefined,
        peerhost: who.peerHost,
        cert_common_name: who.certCommonName,
        cert_subject: who.certSubject,
        instance_id: who.instanceId,
        topic: request.topic,
        action: request.action,
        qos: String(request.qos),
        retain: String(request.retain),
      });
      if ('refused' in answer) return { kind: 'error', message: answer.refused };
      if (answer.status === 204) return ALLOW;
      const parsed = responseSchema.safeParse(answer.json);
      if (!parsed.success) throw new HttpAuthError(`HTTP ${this.client.where} answered 200 outside the contract: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      return parsed.data.result === 'allow' ? ALLOW : parsed.data.result === 'deny' ? DENY : IGNORE;
    } catch (error) {
      return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
