import type { AuthenticatorConfigOf, Authenticator, AuthenticatorType } from '@mqc/auth';
import { BuiltInDatabaseAuthenticator, type BuiltInUserStore } from './authenticators/built-in-database.authenticator';
import { DeviceSecretAuthenticator, type DeviceSecretStore } from './authenticators/device-secret.authenticator';
import { HttpAuthenticator } from './authenticators/http.authenticator';
import { JwtAuthenticator } from './authenticators/jwt.authenticator';
import { LdapAuthenticator } from './authenticators/ldap.authenticator';
import { MongodbAuthenticator } from './authenticators/mongodb.authenticator';
import { MysqlAuthenticator } from './authenticators/mysql.authenticator';
import { PostgresqlAuthenticator } from './authenticators/postgresql.authenticator';
import { PskAuthenticator } from './authenticators/psk.authenticator';
import { RedisAuthenticator } from './authenticators/redis.authenticator';
import { ScramAuthenticator, type ScramCredentialStore } from './authenticators/scram.authenticator';
import { X509Authenticator, type X509Store } from './authenticators/x509.authenticator';

/** What the broker gives a runtime to build an authenticator with. */
export interface AuthenticatorRuntimeDeps {
  /** MQC_OUTBOUND_ALLOW: tenant URLs are checked again at connect time. */
  outboundAllow: readonly string[];
  /** The broker's read paths to the instance's own stores. */
  stores: { builtInUsers: BuiltInUserStore; deviceSecrets: DeviceSecretStore; x509: X509Store; scramCredentials: ScramCredentialStore };
  warn(context: Record<string, unknown>, message: string): void;
}

/** How the broker builds one type's authenticator from its parsed configuration. */
export type AuthenticatorRuntime<T extends AuthenticatorType> = (id: string, config: AuthenticatorConfigOf<T>, deps: AuthenticatorRuntimeDeps) => Authenticator;

/**
 * The runtime of every provider of @mqc/auth, keyed by its type: a provider without one does
 * not compile. Only the broker imports this side (it loads the database drivers).
 */
export const AUTHENTICATOR_RUNTIMES: { readonly [T in AuthenticatorType]: AuthenticatorRuntime<T> } = {
  'built-in-database': (id, config, deps) =>
    new BuiltInDatabaseAuthenticator(id, config, deps.stores.builtInUsers, {
      onRehashError: (error, context) => deps.warn({ ...context, err: error }, 're-hash after login failed'),
    }),
  jwt: (id, config, deps) =>
    new JwtAuthenticator(id, config, {
      outboundAllowList: deps.outboundAllow,
      jwks: { onStaleRefreshError: (error: unknown) => deps.warn({ authenticatorId: id, err: error }, 'JWKS refresh failed; using the cached keys') },
    }),
  http: (id, config, deps) => new HttpAuthenticator(id, config, { outboundAllowList: deps.outboundAllow }),
  'device-secret': (id, config, deps) => new DeviceSecretAuthenticator(id, config, deps.stores.deviceSecrets),
  x509: (id, config, deps) => new X509Authenticator(id, config, deps.stores.x509),
  // Platinum (SPEC 4.6): external password databases; tenant URLs pass the outbound guard again on every new connection.
  postgresql: (id, config, deps) => new PostgresqlAuthenticator(id, config, { outboundAllowList: deps.outboundAllow }),
  mysql: (id, config, deps) => new MysqlAuthenticator(id, config, { outboundAllowList: deps.outboundAllow }),
  redis: (id, config, deps) => new RedisAuthenticator(id, config, { outboundAllowList: deps.outboundAllow }),
  mongodb: (id, config, deps) => new MongodbAuthenticator(id, config, { outboundAllowList: deps.outboundAllow }),
  ldap: (id, config, deps) => new LdapAuthenticator(id, config, { outboundAllowList: deps.outboundAllow }),
  scram: (id, config, deps) => new ScramAuthenticator(id, config, deps.stores.scramCredentials),
  psk: (id, config) => new PskAuthenticator(id, config),
};
