import type { AuthorizationRequest } from './compiled-rules';
import type { AuthorizerType } from './providers/authorizer-providers';
import { unsharedFilter } from './topic-match';

/** One authorizer's answer. `no-match` lets the next one decide; `error` fails closed. */
export type SourceResult =
  | { readonly kind: 'allow' | 'deny'; readonly ruleId?: string; readonly reason?: string }
  | { readonly kind: 'no-match' }
  | { readonly kind: 'error'; readonly message: string };

/** An authorizer whose data is in memory (built-in rules, client-info): answers without awaiting. */
export interface SyncAuthorizationSource {
  readonly id: string;
  readonly type: AuthorizerType;
  readonly sync: true;
  check(request: AuthorizationRequest): SourceResult;
}

/** An authorizer that asks a backend (http, databases); its own timeout and cache apply. */
export interface AsyncAuthorizationSource {
  readonly id: string;
  readonly type: AuthorizerType;
  readonly sync: false;
  check(request: AuthorizationRequest): Promise<SourceResult>;
  /** The backend's answer to this request while its cache keeps it, without asking; undefined when not cached. */
  cached?(request: AuthorizationRequest): SourceResult | undefined;
}

export type AuthorizationSource = SyncAuthorizationSource | AsyncAuthorizationSource;

export interface AuthorizationPolicy {
  /** What decides when no authorizer matched. */
  noMatch: 'allow' | 'deny';
}

export interface ChainContext extends AuthorizationPolicy {
  /** A superuser (built-in flag, JWT superuser claim, HTTP `is_superuser`) bypasses the chain. */
  superuser: boolean;
  observer?: AuthorizationObserver;
}

/** Per-authorizer counting (metrics): called once per answer the fold reads. */
export interface AuthorizationObserver {
  result(source: AuthorizationSource, kind: SourceResult['kind']): void;
  /** A verdict answered from a client's decision cache (no authorizer asked); `verdict.by` names the authorizer that decided it. */
  cacheHit?(verdict: AuthorizationVerdict): void;
  /** How long a backend authorizer took to answer (timed by its caller: this engine reads no clock). */
  latency?(authorizerId: string, ms: number): void;
}

/** The answer, in the shape of `POST /v1/instances/{id}/authorization/check`. */
export interface AuthorizationVerdict {
  decision: 'allow' | 'deny';
  by: { authorizerId: string; type: AuthorizerType; ruleId?: string } | null;
  reason: string;
}

const SUPERUSER: AuthorizationVerdict = Object.freeze({ decision: 'allow', by: null, reason: 'superuser: the authorization chain is bypassed' });
const NO_MATCH_ALLOW: AuthorizationVerdict = Object.freeze({ decision: 'allow', by: null, reason: 'no authorizer matched; the policy noMatch is allow' });
const NO_MATCH_DENY: AuthorizationVerdict = Object.freeze({ decision: 'deny', by: null, reason: 'no authorizer matched; the policy noMatch is deny' });
const NO_MATCH_SYS: AuthorizationVerdict = Object.freeze({ decision: 'deny', by: null, reason: 'no authorizer matched; $SYS topics need a rule that allows them, whatever noMatch says' });

/** `$SYS` and `$SYS/…`: never reached through `noMatch: allow` (issue 13), only through a rule. */
function isSysTopic(topic: string): boolean {
  return topic.startsWith('$SYS') && (topic.length === 4 || topic.charCodeAt(4) === 0x2f);
}

/** The request as authorizers see it: a SUBSCRIBE to `$share/{group}/{filter}` is checked as `{filter}`. */
export function checkedRequest(request: AuthorizationRequest): AuthorizationRequest {
  if (request.action !== 'subscribe') return request;
  const topic = unsharedFilter(request.topic);
  return topic === request.topic ? request : { ...request, topic };
}

function safely(source: SyncAuthorizationSource, request: AuthorizationRequest): SourceResult {
  try {
    return source.check(request);
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The verdict of one answer, or undefined for no-match (the fold goes on). */
function verdictOf(source: AuthorizationSource, result: SourceResult, request: AuthorizationRequest, context: ChainContext): AuthorizationVerdict | undefined {
  context.observer?.result(source, result.kind);
  if (result.kind === 'no-match') return undefined;
  const by = { authorizerId: source.id, type: source.type };
  if (result.kind === 'error') {
    return { decision: 'deny', by, reason: `${source.type} authorizer ${source.id} failed (${result.message}); failing closed` };
  }
  const verb = result.kind === 'allow' ? 'allows' : 'denies';
  const what = `${request.action} on ${request.topic}`;
  if (result.ruleId === undefined) {
    return { decision: result.kind, by, reason: result.reason ?? `${source.type} authorizer ${source.id} ${verb} ${what}` };
  }
  return {
    decision: result.kind,
    by: { ...by, ruleId: result.ruleId },
    reason: result.reason ?? `rule ${result.ruleId} of ${source.type} authorizer ${source.id} ${verb} ${what}`,
  };
}

function noMatch(request: AuthorizationRequest, context: ChainContext): AuthorizationVerdict {
  if (context.noMatch === 'deny') return NO_MATCH_DENY;
  return isSysTopic(request.topic) ? NO_MATCH_SYS : NO_MATCH_ALLOW;
}

/**
 * The fold over in-memory authorizers (no await on the hot path): a superuser is allowed; the
 * enabled authorizers answer in order, the first allow or deny decides; an error (a thrown
 * one too) denies at once, whatever `noMatch` says and whatever later authorizers would say;
 * when none matched, `noMatch` decides, except that `$SYS` is never allowed by `noMatch`.
 * Pass only enabled authorizers, in chain order.
 */
export function foldChain(sources: readonly SyncAuthorizationSource[], request: AuthorizationRequest, context: ChainContext): AuthorizationVerdict {
  if (context.superuser) return SUPERUSER;
  const checked = checkedRequest(request);
  for (const source of sources) {
    const verdict = verdictOf(source, safely(source, checked), checked, context);
    if (verdict) return verdict;
  }
  return noMatch(checked, context);
}

/** The same fold over a chain with backend authorizers: in-memory ones are still asked synchronously. */
export async function foldChainAsync(sources: readonly AuthorizationSource[], request: AuthorizationRequest, context: ChainContext): Promise<AuthorizationVerdict> {
  if (context.superuser) return SUPERUSER;
  const checked = checkedRequest(request);
  for (const source of sources) {
    let result: SourceResult;
    if (source.sync) result = safely(source, checked);
    else {
      try {
        result = await source.check(checked);
      } catch (error) {
        result = { kind: 'error', message: error instanceof Error ? error.message : String(error) };
      }
    }
    const verdict = verdictOf(source, result, checked, context);
    if (verdict) return verdict;
  }
  return noMatch(checked, context);
}

/**
 * The same fold answered without awaiting when every backend authorizer it reaches has the
 * answer cached (each counted as a cache hit of that authorizer); undefined when one would
 * have to ask its backend. Nothing is counted then: the caller folds with foldChainAsync.
 */
export function foldChainCached(sources: readonly AuthorizationSource[], request: AuthorizationRequest, context: ChainContext): AuthorizationVerdict | undefined {
  if (context.superuser) return SUPERUSER;
  const checked = checkedRequest(request);
  const results: SourceResult[] = [];
  let decided = false;
  for (const source of sources) {
    const result = source.sync ? safely(source, checked) : source.cached?.(checked);
    if (result === undefined) return undefined;
    results.push(result);
    if (result.kind !== 'no-match') {
      decided = true;
      break;
    }
  }
  for (let i = 0; i < results.length; i++) {
    const source = sources[i] as AuthorizationSource;
    const verdict = verdictOf(source, results[i] as SourceResult, checked, context);
    if (!source.sync && verdict !== undefined) context.observer?.cacheHit?.(verdict);
    if (verdict) return verdict;
  }
  return decided ? undefined : noMatch(checked, context);
}

export function isSyncChain(sources: readonly AuthorizationSource[]): sources is readonly SyncAuthorizationSource[] {
  return sources.every((source) => source.sync);
}
