import type { AuthorizerConfigOf, AuthorizerType } from '@mqc/auth';
import type { BackendAuthorizer } from './authorizers/backend-authorizer';
import { HttpAuthorizer } from './authorizers/http.authorizer';

/** What the broker gives a runtime to build a backend authorizer with. */
export interface AuthorizerRuntimeDeps {
  /** MQC_OUTBOUND_ALLOW: tenant URLs are checked again on every new connection. */
  outboundAllow: readonly string[];
}

/** How the broker builds one type's backend authorizer from its parsed configuration. */
export type AuthorizerRuntime<T extends AuthorizerType> = (id: string, config: AuthorizerConfigOf<T>, deps: AuthorizerRuntimeDeps) => BackendAuthorizer;

/**
 * The backend authorizer types the broker runs, one line each; built-in-database and
 * client-info are in memory (the broker's own), a type missing here denies every check.
 */
export const AUTHORIZER_RUNTIMES: { readonly [T in AuthorizerType]?: AuthorizerRuntime<T> } = {
  http: (id, config, deps) => new HttpAuthorizer(id, config, { outboundAllowList: deps.outboundAllow }),
};
