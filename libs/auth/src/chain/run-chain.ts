import type { AccessPolicy } from '@mqc/domain';
import type { Authenticator, ConnectCredentials, DenyReason } from './authenticator';
import type { ChainObserver } from './chain-metrics';
import { connackCodeFor } from './connack-codes';

export type ChainDecision =
  | { kind: 'allow'; superuser: boolean; expiresAt?: Date; authenticatorId?: string }
  | { kind: 'deny'; reason: DenyReason; connackCode: number; message: string; authenticatorId?: string };

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
 * the anonymous policy decides.
 */
export async function runChain(run: ChainRun, credentials: ConnectCredentials): Promise<ChainDecision> {
  const { policy, observer } = run;
  if (policy.anonymous === 'quick_deny' && presentsNoCredentials(credentials)) {
    return deny('not-authorized', credentials, 'anonymous clients are refused');
  }
  for (const authenticator of run.authenticators) {
    const started = performance.now();
    try {
      const work = authenticator.authenticate(credentials);
      const result = await (run.timeoutMs ? withTimeout(work, run.timeoutMs) : work);
      observer?.record(authenticator.id, result.kind, performance.now() - started);
      if (result.kind === 'allow') {
        return { kind: 'allow', superuser: result.superuser ?? false, expiresAt: result.expiresAt, authenticatorId: authenticator.id };
      }
      if (result.kind === 'deny') {
        return deny(result.reason, credentials, result.message ?? `refused by ${authenticator.type}`, authenticator.id);
      }
    } catch (error) {
      observer?.record(authenticator.id, 'error', performance.now() - started);
      if (policy.onBackendFailure === 'deny') {
        const why = error instanceof Error ? error.message : String(error);
        return deny('server-unavailable', credentials, `${authenticator.type} failed: ${why}`, authenticator.id);
      }
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
