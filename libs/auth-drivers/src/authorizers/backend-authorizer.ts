import type { AsyncAuthorizationSource, AuthorizationClient } from '@mqc/auth';

/** Who a backend authorizer asks about: the rules' client, and what only a backend request uses. */
export interface BackendAuthorizationClient extends AuthorizationClient {
  /** `${peerhost}`: the client's address. */
  peerHost?: string;
  /** `${instance_id}`. */
  instanceId?: string;
}

/**
 * An authorizer that asks a backend (http, databases): built once per chain load from its
 * parsed configuration, it gives each client its source (sync: false) and closes its
 * connections when the chain is replaced.
 */
export interface BackendAuthorizer {
  readonly id: string;
  source(client: BackendAuthorizationClient): AsyncAuthorizationSource;
  close(): Promise<void>;
}
