import type { ClientAcl, MalformedAcl } from '../authorization/client-acl';
import type { AccessPolicy } from '@mqc/domain';
import type { AuthenticatorType } from '../providers/authenticator-providers';
import type { AuthResult, Authenticator, ConnectCredentials, DenyReason, ProvenCredential } from './authenticator';
import type { ChainObserver } from './chain-metrics';
import { connackCodeFor } from './connack-codes';

export type ChainDecision =
  | ChainAllow
  /** `throttled`: refused by the failed-CONNECT throttle before any authenticator ran (the broker's event log says so). */
  | { kind: 'deny'; reason: DenyReason; connackCode: number; message: string; authenticatorId?: string; throttled?: boolean }
  | ChainContinue;

/** An accepted client; without `authenticatorId` the anonymous policy let it in. */
export interface ChainAllow {
  kind: 'allow';
  superuser: boolean;
  expiresAt?: Date;
  authenticatorId?: string;
  authenticatorType?: AuthenticatorType;
  /** What the client proved (see ProvenCredential): what a revocation is matched against. */
  credential?: ProvenCredential;
  username?: string;
  authenticationData?: Buffer;
  /** The client's own rules from its authenticator (see AuthResult). */
  acl?: ClientAcl | MalformedAcl;
}

/** Which authenticator let a client in and with what credential; kept with the connection. */
export type AllowedBy = Required<Pick<ChainAllow, 'authenticatorId' | 'authenticatorType'>> & Pick<ChainAllow, 'credential'>;

/** Undefined for an anonymous allow: no authenticator judged the client. */
export function allowedBy(decision: ChainAllow): AllowedBy | undefined {
  const { authenticatorId, authenticatorType, credential } = decision;
  if (authenticatorId === undefined || authenticatorType === undefined) return undefined;
  return { authenticatorId, authenticatorType, credential };
}

/**
 * An enhanced authentication in progress (MQTT 5 AUTH): the broker sends `authenticationData`
 * in AUTH 0x18 and hands the client's answer to `next`, which decides or continues again.
 */
export interface ChainContinue {
  kind: 'continue';
  authenticationData: Buffer;
  authenticatorId: string;
  next(authenticationData: Buffer | undefined): Promise<ChainDecision>;
}

export interface ChainRun {
  authenticators: readonly Authenticator[];
  policy: AccessPolicy;
  observer?: ChainObserver;
  /** An authenticator that has not answered by then counts as a backend failure. */
  timeoutMs?: number;
}

/** True when the client presents nothing an authenticator could judge (SPEC 4, quick_deny). */
export function presentsNoCredentials(c: ConnectCredentials): boolean {
  return !c.username && !c.certificate && !c.authenticationMethod;
}

function deny(reason: DenyReason, credentials: ConnectCredentials, message: string, authenticatorId?: string): ChainDecision {
  return { kind: 'deny', reason, connackCode: connackCodeFor(reason, credentials.protocolVersion), message, authenticatorId };
}

class ChainTimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainTimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The fold: run enabled authenticators in order; `allow` and `deny` stop, `ignore` goes on.
 * A thrown error or timeout is judged by `onBackendFailure`. When nobody judged the client,
 * the anonymous policy decides. A `continue` (enhanced authentication) stops the fold until
 * the client answers; its exchange then decides, or, failing, resumes the fold after it.
 */
export async function runChain(run: ChainRun, credentials: ConnectCredentials): Promise<ChainDecision> {
  if (run.policy.anonymous === 'quick_deny' && presentsNoCredentials(credentials)) {
    return deny('not-authorized', credentials, 'anonymous clients are refused');
  }
  return runFrom(run, credentials, 0);
}

async function runFrom(run: ChainRun, credentials: ConnectCredentials, start: number): Promise<ChainDecision> {
  const { policy, observer } = run;
  for (let index = start; index < run.authenticators.length; index++) {
    const authenticator = run.authenticators[index] as Authenticator;
    const started = performance.now();
    try {
      const work = authenticator.authenticate(credentials);
      const result = await (run.timeoutMs ? withTimeout(work, run.timeoutMs) : work);
      if (result.kind === 'continue') return continued(run, credentials, index, result, performance.now() - started);
      observer?.record(authenticator.id, result.kind, performance.now() - started);
      if (result.kind !== 'ignore') return decided(result, credentials, authenticator);
    } catch (error) {
      observer?.record(authenticator.id, 'error', performance.now() - started);
      if (policy.onBackendFailure === 'deny') return backendFailure(error, credentials, authenticator);
    }
  }
  // [MQTT-4.12.0-1] An enhanced-auth method nobody supports is refused, whatever the
  // anonymous policy: accepting would skip the AUTH exchange the client asked for.
  if (credentials.authenticationMethod) {
    return deny('bad-authentication-method', credentials, `unsupported authentication method ${credentials.authenticationMethod}`);
  }
  if (policy.anonymous === 'allow') return { kind: 'allow', superuser: false };
  // Nobody accepted the client: a presented password was wrong for every store; no
  // credentials at all is a matter of authorisation.
  return presentsNoCredentials(credentials)
    ? deny('not-authorized', credentials, 'no authenticator accepted the client')
    : deny('bad-credentials', credentials, 'no authenticator accepted the credentials');
}

function decided(result: Extract<AuthResult, { kind: 'allow' | 'deny' }>, credentials: ConnectCredentials, authenticator: Authenticator): ChainDecision {
  if (result.kind === 'deny') return deny(result.reason, credentials, result.message ?? `refused by ${authenticator.type}`, authenticator.id);
  return {
    kind: 'allow',
    superuser: result.superuser ?? false,
    expiresAt: result.expiresAt,
    authenticatorId: authenticator.id,
    authenticatorType: authenticator.type,
    credential: result.credential,
    username: result.username,
    authenticationData: result.authenticationData,
    acl: result.acl,
  };
}

function backendFailure(error: unknown, credentials: ConnectCredentials, authenticator: Authenticator): ChainDecision {
  const why = error instanceof Error ? error.message : String(error);
  return deny('server-unavailable', credentials, `${authenticator.type} failed: ${why}`, authenticator.id);
}

/**
 * One exchange in progress. Its metrics are recorded once, when it ends, with the time the
 * server spent on every step (not the time the client took to answer). An `ignore` after the
 * exchange began is a refusal: the authenticator has already claimed the client.
 */
function continued(run: ChainRun, credentials: ConnectCredentials, index: number, result: Extract<AuthResult, { kind: 'continue' }>, spentMs: number): ChainContinue {
  const authenticator = run.authenticators[index] as Authenticator;
  return {
    kind: 'continue',
    authenticationData: result.authenticationData,
    authenticatorId: authenticator.id,
    next: async (data) => {
      const started = performance.now();
      try {
        const work = result.exchange.next(data);
        const step = await (run.timeoutMs ? withTimeout(work, run.timeoutMs) : work);
        const spent = spentMs + performance.now() - started;
        if (step.kind === 'continue') return continued(run, credentials, index, step, spent);
        const final = step.kind === 'ignore' ? ({ kind: 'deny', reason: 'bad-credentials', message: 'the enhanced authentication did not complete' } as const) : step;
        run.observer?.record(authenticator.id, final.kind, spent);
        return decided(final, credentials, authenticator);
      } catch (error) {
        run.observer?.record(authenticator.id, 'error', spentMs + performance.now() - started);
        if (run.policy.onBackendFailure === 'deny') return backendFailure(error, credentials, authenticator);
        return runFrom(run, credentials, index + 1);
      }
    },
  };
}
