/** SPEC section 4: what happens when no authenticator judged the client. */
export const ANONYMOUS_POLICIES = ['allow', 'deny', 'quick_deny'] as const;
export type AnonymousPolicy = (typeof ANONYMOUS_POLICIES)[number];

/** What an authenticator's error or timeout counts as. */
export const BACKEND_FAILURE_POLICIES = ['ignore', 'deny'] as const;
export type BackendFailurePolicy = (typeof BACKEND_FAILURE_POLICIES)[number];

export interface AccessPolicy {
  anonymous: AnonymousPolicy;
  onBackendFailure: BackendFailurePolicy;
}

export const DEFAULT_ACCESS_POLICY: AccessPolicy = { anonymous: 'deny', onBackendFailure: 'deny' };

/** Issue 13: what happens to an action no authorizer allowed or denied. */
export const NO_MATCH_POLICIES = ['allow', 'deny'] as const;
export type NoMatchPolicy = (typeof NO_MATCH_POLICIES)[number];

/** What a denied PUBLISH or SUBSCRIBE does to the connection. */
export const DENY_ACTIONS = ['ignore', 'disconnect'] as const;
export type DenyAction = (typeof DENY_ACTIONS)[number];

export interface AuthorizationPolicy {
  noMatch: NoMatchPolicy;
  denyAction: DenyAction;
}

/** New instances are safe by default (as AWS IoT and TDMQ); instances older than authorization keep `allow`. */
export const DEFAULT_AUTHORIZATION_POLICY: AuthorizationPolicy = { noMatch: 'deny', denyAction: 'ignore' };
