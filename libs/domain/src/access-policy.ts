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
