import { z } from 'zod';
import { type Authenticator, type AuthResult, type ConnectCredentials, type HttpConfig, parseHttpAclField, placeholderValues } from '@mqc/auth';
import { HttpAuthError, TemplatedHttpClient, type TemplatedHttpOptions } from '../external/templated-http';

export { HttpAuthError } from '../external/templated-http';

export interface HttpAuthenticatorOptions extends TemplatedHttpOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

/** EMQX's accepted spellings of a boolean superuser flag. */
const superuserFlag = z.union([z.boolean(), z.literal('true'), z.literal('false'), z.literal(1), z.literal(0)]).transform((v) => v === true || v === 'true' || v === 1);

const responseSchema = z.object({
  result: z.enum(['allow', 'deny', 'ignore'], { error: 'result must be "allow", "deny" or "ignore"' }),
  is_superuser: superuserFlag.optional(),
  expire_at: z.number({ error: 'expire_at must be Unix seconds' }).int({ error: 'expire_at must be whole Unix seconds' }).positive().optional(),
  /** The client's rules (EMQX's `acl` array), read by the client-info authorizer; a malformed one gives no rules. */
  acl: z.unknown().optional(),
});

/** Unix seconds after 5138 are taken for milliseconds sent by mistake. */
const MAX_EXPIRE_AT_SECONDS = 1e11;

/**
 * HTTP authentication (SPEC 4.4): a GET (body fields become query parameters) or a POST
 * (JSON body, or a form when the configured content-type says so) to the tenant's URL, with
 * placeholders rendered in headers, body and the URL's path and query.
 *
 * Response contract: 204 → allow; 200 with `{"result": "allow"|"deny"|"ignore",
 * "is_superuser", "expire_at"}` → that result, where `deny` is `not-authorized` (EMQX:
 * the service judged the client, not its password) and an `expire_at` already past is
 * `bad-credentials`. Any other status, a redirect, a transport error, a timeout, a body over
 * the size cap, unreadable JSON or a missing result throw: the backend-failure policy decides.
 *
 * Every new connection goes through the private-address guard; `concurrency` requests at
 * most are in flight, the others wait, and `timeoutMs` bounds the wait and the request.
 */
export class HttpAuthenticator implements Authenticator {
  readonly type = 'http';
  private readonly client: TemplatedHttpClient;
  private readonly now: () => number;

  constructor(
    readonly id: string,
    config: HttpConfig,
    options: HttpAuthenticatorOptions = {},
  ) {
    this.client = new TemplatedHttpClient(config, options);
    this.now = options.now ?? Date.now;
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const answer = await this.client.call(placeholderValues(credentials));
    if ('refused' in answer) return { kind: 'deny', reason: 'bad-credentials', message: answer.refused };
    if (answer.status === 204) return { kind: 'allow', superuser: false };
    const where = this.client.where;
    const parsed = responseSchema.safeParse(answer.json);
    if (!parsed.success) throw new HttpAuthError(`HTTP ${where} answered 200 outside the contract: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const { result, is_superuser: superuser = false, expire_at: expireAt, acl: aclField } = parsed.data;
    if (result === 'ignore') return { kind: 'ignore' };
    if (result === 'deny') return { kind: 'deny', reason: 'not-authorized', message: 'refused by the HTTP authentication service' };
    const acl = aclField === undefined ? undefined : parseHttpAclField(aclField);
    if (expireAt === undefined) return { kind: 'allow', superuser, ...(acl ? { acl } : {}) };
    if (expireAt >= MAX_EXPIRE_AT_SECONDS) throw new HttpAuthError(`HTTP ${where}: expire_at ${expireAt} is not Unix seconds`);
    if (expireAt * 1000 <= this.now()) return { kind: 'deny', reason: 'bad-credentials', message: `expire_at ${expireAt} is in the past` };
    return { kind: 'allow', superuser, expiresAt: new Date(expireAt * 1000), ...(acl ? { acl } : {}) };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
