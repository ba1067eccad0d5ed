import type { AuthorizerConfigOf, AuthorizerType, BackendAuthorizerType, ConnectCredentials, InProcessAuthorizerType } from '@mqc/auth';
import type { BackendAuthorizationClient, BackendAuthorizer } from './authorizers/backend-authorizer';
import type { DatabaseAuthorizer } from './authorizers/cached-rows-source';
import { HttpAuthorizer } from './authorizers/http.authorizer';
import { MysqlAuthorizer } from './authorizers/mysql.authorizer';
import { PostgresqlAuthorizer } from './authorizers/postgresql.authorizer';
import { RedisAuthorizer } from './authorizers/redis.authorizer';

/** What the broker gives a runtime to build a backend authorizer with. */
export interface AuthorizerRuntimeDeps {
  /** MQC_OUTBOUND_ALLOW: tenant URLs are checked again on every new connection. */
  outboundAllow: readonly string[];
}

/** How the broker builds one type's backend authorizer from its parsed configuration. */
export type AuthorizerRuntime<T extends AuthorizerType> = (id: string, config: AuthorizerConfigOf<T>, deps: AuthorizerRuntimeDeps) => BackendAuthorizer;

/**
 * The runtime of every backend authorizer provider of @mqc/auth, one line each, keyed by its
 * type: a backend provider without one does not compile. The in-process types (built-in-database,
 * client-info) are the broker's own and have none; a type this broker does not know (a newer
 * release's) finds none and denies every check.
 */
export const AUTHORIZER_RUNTIMES: { readonly [T in BackendAuthorizerType]: AuthorizerRuntime<T> } & { readonly [T in InProcessAuthorizerType]?: never } = {
  http: (id, config, deps) => new HttpAuthorizer(id, config, { outboundAllowList: deps.outboundAllow }),
  postgresql: (id, config, deps) => perClientRows(new PostgresqlAuthorizer(id, config, { outboundAllowList: deps.outboundAllow })),
  mysql: (id, config, deps) => perClientRows(new MysqlAuthorizer(id, config, { outboundAllowList: deps.outboundAllow })),
  redis: (id, config, deps) => perClientRows(new RedisAuthorizer(id, config, { outboundAllowList: deps.outboundAllow })),
};

/**
 * A database authorizer reads a client's rows with the authentication placeholders, so it
 * takes the client as credentials: what a rule query may name (no password: it is refused in
 * authorizer templates; a certificate's common name and subject, the only fields rules read).
 */
function perClientRows(authorizer: DatabaseAuthorizer): BackendAuthorizer {
  return {
    id: authorizer.id,
    source: (client) => authorizer.sourceFor(credentialsOf(client)),
    close: () => authorizer.close(),
  };
}

function credentialsOf(client: BackendAuthorizationClient): ConnectCredentials {
  const certificate =
    client.certCommonName === undefined && client.certSubject === undefined
      ? undefined
      : { commonName: client.certCommonName ?? '', subject: client.certSubject ?? '', serialNumber: '', fingerprint256: '' };
  return { instanceId: client.instanceId ?? '', clientId: client.clientId, username: client.username, peerHost: client.peerHost ?? '', protocolVersion: 5, certificate };
}
