import {
  ClientAuthorization,
  clientAclSource,
  compileClientAcl,
  compileRules,
  compiledRulesSource,
  type AuthorizationObserver,
  type AuthorizationRequest,
  type AuthorizationSource,
  type AuthorizationDecision,
  type AuthorizationVerdict,
  type ChainAllow,
  type ClientAcl,
  type ClientChain,
  type IdentifiedRule,
} from '@mqc/auth';
import type { BackendAuthorizationClient } from '@mqc/auth-drivers';
import type { ClientConnection } from './client-connection';
import type { InstanceContext } from './instance-context';

import { reasonOf } from '@mqc/auth';

export { reasonOf };

/** One enabled authorizer of an instance, in chain order; backend ones build their source per client. */
export type LoadedAuthorizer =
  | { readonly id: string; readonly type: 'built-in-database' }
  | { readonly id: string; readonly type: 'client-info' }
  /** An authorizer that asks a backend (http), or one that cannot run and fails closed: its source per client. */
  | { readonly id: string; readonly type: 'backend'; source(client: BackendAuthorizationClient): AuthorizationSource; close?(): Promise<void> };

/** An instance's authorization chain as loaded (connect/load-authorization.ts), replaced whole on a change. */
export interface InstanceAuthorization {
  readonly authorizers: readonly LoadedAuthorizer[];
  /** The built-in-database rules, in order. */
  readonly rules: readonly IdentifiedRule[];
  readonly noMatch: 'allow' | 'deny';
  readonly denyAction: 'ignore' | 'disconnect';
  readonly observer?: AuthorizationObserver;
}

/** What an instance without authorization settings does: nothing is checked (but `$SYS`). */
export const OPEN_AUTHORIZATION: InstanceAuthorization = Object.freeze({ authorizers: [], rules: [], noMatch: 'allow', denyAction: 'ignore' });

/** No authorizer and noMatch allow: every check is skipped, except a topic starting with `$`. */
export function isOpen(authorization: InstanceAuthorization): boolean {
  return authorization.authorizers.length === 0 && authorization.noMatch === 'allow';
}

/** What one client's chain is compiled from: who it is, what its authenticator returned. */
export interface AuthorizedClient {
  client: BackendAuthorizationClient;
  superuser: boolean;
  /** The client-info rules (JWT `acl` claim, HTTP `acl`); undefined when none or malformed. */
  acl: ClientAcl | undefined;
}

function chainOf(authorization: InstanceAuthorization, who: AuthorizedClient): ClientChain {
  const rules = authorization.authorizers.some((a) => a.type === 'built-in-database') ? compileRules(authorization.rules, who.client) : undefined;
  const clientAcl = who.acl === undefined ? undefined : compileClientAcl(who.acl, who.client);
  const sources = authorization.authorizers.map((a): AuthorizationSource => {
    if (a.type === 'built-in-database') return compiledRulesSource(a.id, rules ?? compileRules([], who.client));
    if (a.type === 'client-info') return clientAclSource(a.id, clientAcl);
    return a.source(who.client);
  });
  return { sources, noMatch: authorization.noMatch, superuser: who.superuser, observer: authorization.observer };
}

/**
 * A connection's authorization as attached, before its first check: what its chain will be
 * compiled from besides the connection itself (issue 16: an idle client holds no compiled
 * chain, decision cache or closures; most never ask).
 */
export interface AttachedAuthorization {
  /** The client-info rules (JWT `acl` claim, HTTP `acl`); undefined when none or malformed. */
  readonly acl: ClientAcl | undefined;
}

/** What nearly every client attaches: no client-info rules. Shared. */
const NO_CLIENT_ACL: AttachedAuthorization = Object.freeze({ acl: undefined });

/**
 * Gives a connection its authorization, from what its authentication (at CONNECT, or a MQTT 5
 * re-authentication) decided: compiled at its first check, again lazily after each change of
 * the instance's chain. A malformed `acl` gives the client no client-info rules (logged).
 */
export function attachAuthorization(ctx: InstanceContext, connection: ClientConnection, decision: Pick<ChainAllow, 'acl'>): void {
  const acl = decision.acl;
  if (acl?.kind === 'malformed') ctx.logger.info({ clientId: connection.clientId, reason: acl.reason }, 'acl from the authenticator is malformed; the client gets no client-info rules');
  connection.authorization = acl?.kind === 'acl' ? { acl } : NO_CLIENT_ACL;
}

/** The connection's chain, made at its first check from the connection as it is then (identity and superuser do not change while attached). */
function clientAuthorization(ctx: InstanceContext, connection: ClientConnection, attached: AttachedAuthorization): ClientAuthorization {
  const certificate = connection.transportIdentity.certificate;
  const who: AuthorizedClient = {
    // Written out, not spread from authorizationClientOf: a spread object got a hidden class of its own per client.
    client: {
      clientId: connection.clientId,
      username: connection.username,
      certCommonName: certificate?.commonName,
      certSubject: certificate?.subject,
      peerHost: connection.info.remoteAddress,
      instanceId: ctx.instanceId,
    },
    superuser: connection.superuser,
    acl: attached.acl,
  };
  const authorization = new ClientAuthorization(() => chainOf(ctx.authorization, who), () => ctx.authorizationGeneration);
  connection.authorization = authorization;
  return authorization;
}

const ALLOWED: AuthorizationDecision = Object.freeze({ decision: 'allow', by: null, reason: 'no authorization configured', namesRequest: false });

/**
 * The verdict for one request of a connected client. Skipped (allowed) for a superuser and, on
 * an instance with no authorizer and noMatch allow, for any topic not starting with `$`. In-memory
 * chains answer synchronously; a chain with a backend authorizer answers with a promise. The
 * decision is shared and allocates nothing; `reasonOf(decision, request)` gives its text (logs).
 */
export function authorize(ctx: InstanceContext, connection: ClientConnection, request: AuthorizationRequest, delivery = false): AuthorizationDecision | Promise<AuthorizationDecision> {
  const attached = connection.authorization;
  if (attached === undefined || connection.superuser) return ALLOWED;
  if (ctx.authorizationOpen && request.topic.charCodeAt(0) !== 0x24) return ALLOWED;
  const authorization = attached instanceof ClientAuthorization ? attached : clientAuthorization(ctx, connection, attached);
  const decision = authorization.check(request);
  if (decision instanceof Promise) return decision.then((d) => counted(ctx, connection, request, d, delivery));
  return counted(ctx, connection, request, decision, delivery);
}

/** Counts a decision for the tenant's metrics and logs a sample of denials with the deciding rule (issue 15). */
function counted(ctx: InstanceContext, connection: ClientConnection, request: AuthorizationRequest, decision: AuthorizationDecision, delivery: boolean): AuthorizationDecision {
  const { activity } = ctx;
  if (decision.decision === 'allow') {
    activity.authorization.allow++;
    return decision;
  }
  activity.authorization.deny++;
  const now = Date.now();
  if (activity.sample('authorization.denied', now)) {
    activity.record({
      type: 'authorization.denied',
      at: now,
      clientId: connection.clientId,
      username: connection.username,
      source: connection.info.remoteAddress,
      action: request.action,
      // A message on `topic` withheld from this subscriber (checked as subscribe), rather than a request of its own.
      delivery,
      topic: request.topic,
      qos: request.qos,
      reason: reasonOf(decision, request),
      rule: decision.by,
    });
  }
  return decision;
}

/** The verdict of a check that threw or rejected: a denial, whatever noMatch says. */
export function failedCheck(error: unknown): AuthorizationVerdict {
  return { decision: 'deny', by: null, reason: `the authorization check failed (${error instanceof Error ? error.message : String(error)}); failing closed` };
}

/**
 * Whether a connection may receive a message on `topic` at `qos` (issue 13: every delivery):
 * true or false when known now (in-memory chain, or backend answers cached), a promise when a
 * backend authorizer is being asked. Never rejects: a failure is false (fail closed).
 */
export function receiveVerdict(ctx: InstanceContext, connection: ClientConnection, topic: string, qos: 0 | 1 | 2): boolean | Promise<boolean> {
  const verdict = authorize(ctx, connection, { action: 'subscribe', topic, qos, retain: false }, true);
  if (verdict instanceof Promise) {
    return verdict.then(
      (v) => v.decision === 'allow',
      () => false,
    );
  }
  return verdict.decision === 'allow';
}

/** Known now to be allowed to receive (a pending backend answer counts as not yet): picking a shared group member. */
export function mayReceive(ctx: InstanceContext, connection: ClientConnection, topic: string, qos: 0 | 1 | 2): boolean {
  return receiveVerdict(ctx, connection, topic, qos) === true;
}
