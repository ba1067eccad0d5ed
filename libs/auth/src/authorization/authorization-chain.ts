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

/**
 * A verdict that does not name its request: what the broker caches and acts on. Built once per
 * (authorizer, answer) and shared by every check it decides, so a check allocates nothing.
 * `reasonOf` (`foldChain`, the dry run, logs) completes the reason with the request on demand.
 */
export interface AuthorizationDecision extends AuthorizationVerdict {
  /** The reason stops before the request: `reasonOf` appends "{action} on {topic}". */
  readonly namesRequest: boolean;
}

/** The human reason of a decision for `request` (built on demand: the dry run, a log line). */
export function reasonOf(decision: AuthorizationDecision, request: AuthorizationRequest): string {
  return decision.namesRequest ? `${decision.reason} ${request.action} on ${request.topic}` : decision.reason;
}

/** The decision with its request: the verdict the dry run answers. */
export function verdictOf(decision: AuthorizationDecision, request: AuthorizationRequest): AuthorizationVerdict {
  return { decision: decision.decision, by: decision.by, reason: reasonOf(decision, request) };
}

function fixedDecision(decision: 'allow' | 'deny', reason: string): AuthorizationDecision {
  return Object.freeze({ decision, by: null, reason, namesRequest: false });
}

const SUPERUSER = fixedDecision('allow', 'superuser: the authorization chain is bypassed');
const NO_MATCH_ALLOW = fixedDecision('allow', 'no authorizer matched; the policy noMatch is allow');
const NO_MATCH_DENY = fixedDecision('deny', 'no authorizer matched; the policy noMatch is deny');
const NO_MATCH_SYS = fixedDecision('deny', 'no authorizer matched; $SYS topics need a rule that allows them, whatever noMatch says');

function decisionFor(source: AuthorizationSource, result: Exclude<SourceResult, { kind: 'no-match' }>): AuthorizationDecision {
  const by = { authorizerId: source.id, type: source.type };
  if (result.kind === 'error') {
    return { decision: 'deny', by, reason: `${source.type} authorizer ${source.id} failed (${result.message}); failing closed`, namesRequest: false };
  }
  const verb = result.kind === 'allow' ? 'allows' : 'denies';
  if (result.ruleId === undefined) {
    return { decision: result.kind, by, reason: result.reason ?? `${source.type} authorizer ${source.id} ${verb}`, namesRequest: result.reason === undefined };
  }
  return {
    decision: result.kind,
    by: { ...by, ruleId: result.ruleId },
    reason: result.reason ?? `rule ${result.ruleId} of ${source.type} authorizer ${source.id} ${verb}`,
    namesRequest: result.reason === undefined,
  };
}

/**
 * Decisions built for a source's frozen answers (a compiled rule's match, a constant): one per
 * (authorizer, rule, kind), kept as long as the source (one client's chain of one generation).
 * A fresh answer (an error, a backend's reply) is not kept: it would grow without bound.
 */
const sharedDecisions = new WeakMap<AuthorizationSource, Map<SourceResult, AuthorizationDecision>>();

const DECISION_MEMO = Symbol('decision memo');
interface DecisionMemo {
  source: AuthorizationSource | undefined;
  decision: AuthorizationDecision | undefined;
}

/**
 * Freezes an answer a source will give again and again (a compiled rule's match) with a slot,
 * not enumerable, where the chain keeps the decision it makes for the first source giving it:
 * found by one property read, where the WeakMap and Map of `sharedDecisions` cost several
 * lookups per check (the hot path of a cache miss).
 */
export function sharedAnswer<T extends object>(answer: T): Readonly<T> {
  const memo: DecisionMemo = { source: undefined, decision: undefined };
  Object.defineProperty(answer, DECISION_MEMO, { value: memo });
  return Object.freeze(answer);
}

/** The decision of one answer, or undefined for no-match (the fold goes on). */
function decisionOf(source: AuthorizationSource, result: SourceResult, context: ChainContext): AuthorizationDecision | undefined {
  context.observer?.result(source, result.kind);
  if (result.kind === 'no-match') return undefined;
  const memo = (result as { [DECISION_MEMO]?: DecisionMemo })[DECISION_MEMO];
  if (memo !== undefined && memo.source === source) return memo.decision;
  if (!Object.isFrozen(result)) return decisionFor(source, result);
  let decisions = sharedDecisions.get(source);
  if (decisions === undefined) {
    decisions = new Map();
    sharedDecisions.set(source, decisions);
  }
  let decision = decisions.get(result);
  if (decision === undefined) {
    decision = Object.freeze(decisionFor(source, result));
    decisions.set(result, decision);
  }
  if (memo !== undefined && memo.source === undefined) [memo.source, memo.decision] = [source, decision];
  return decision;
}

function noMatch(request: AuthorizationRequest, context: ChainContext): AuthorizationDecision {
  if (context.noMatch === 'deny') return NO_MATCH_DENY;
  return isSysTopic(request.topic) ? NO_MATCH_SYS : NO_MATCH_ALLOW;
}

/**
 * The fold over in-memory authorizers (no await on the hot path): a superuser is allowed; the
 * enabled authorizers answer in order, the first allow or deny decides; an error (a thrown
 * one too) denies at once, whatever `noMatch` says and whatever later authorizers would say;
 * when none matched, `noMatch` decides, except that `$SYS` is never allowed by `noMatch`.
 * Pass only enabled authorizers, in chain order. The decision is shared: see `reasonOf`.
 */
export function decideChain(sources: readonly SyncAuthorizationSource[], request: AuthorizationRequest, context: ChainContext): AuthorizationDecision {
  if (context.superuser) return SUPERUSER;
  const checked = checkedRequest(request);
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i] as SyncAuthorizationSource;
    const decision = decisionOf(source, safely(source, checked), context);
    if (decision) return decision;
  }
  return noMatch(checked, context);
}

/** The same fold over a chain with backend authorizers: in-memory ones are still asked synchronously. */
export async function decideChainAsync(sources: readonly AuthorizationSource[], request: AuthorizationRequest, context: ChainContext): Promise<AuthorizationDecision> {
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
    const decision = decisionOf(source, result, context);
    if (decision) return decision;
  }
  return noMatch(checked, context);
}

/**
 * The same fold decided without awaiting when every backend authorizer it reaches has the
 * answer cached (each counted as a cache hit of that authorizer); undefined when one would
 * have to ask its backend. Nothing is counted then: the caller decides with decideChainAsync.
 */
export function decideChainCached(sources: readonly AuthorizationSource[], request: AuthorizationRequest, context: ChainContext): AuthorizationDecision | undefined {
  if (context.superuser) return SUPERUSER;
  const checked = checkedRequest(request);
  const results: SourceResult[] = [];
  for (const source of sources) {
    const result = source.sync ? safely(source, checked) : source.cached?.(checked);
    if (result === undefined) return undefined;
    results.push(result);
    if (result.kind !== 'no-match') break;
  }
  for (let i = 0; i < results.length; i++) {
    const source = sources[i] as AuthorizationSource;
    const decision = decisionOf(source, results[i] as SourceResult, context);
    if (!source.sync && decision !== undefined) context.observer?.cacheHit?.(decision);
    if (decision) return decision;
  }
  return noMatch(checked, context);
}

/** `decideChain` with the reason completed for the request: the dry run's verdict. */
export function foldChain(sources: readonly SyncAuthorizationSource[], request: AuthorizationRequest, context: ChainContext): AuthorizationVerdict {
  return verdictOf(decideChain(sources, request, context), checkedRequest(request));
}

/** `decideChainAsync` with the reason completed for the request. */
export async function foldChainAsync(sources: readonly AuthorizationSource[], request: AuthorizationRequest, context: ChainContext): Promise<AuthorizationVerdict> {
  return verdictOf(await decideChainAsync(sources, request, context), checkedRequest(request));
}

export function isSyncChain(sources: readonly AuthorizationSource[]): sources is readonly SyncAuthorizationSource[] {
  return sources.every((source) => source.sync);
}
