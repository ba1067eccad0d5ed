import type { DataSource } from 'typeorm';
import {
  BuiltInDatabaseAuthenticator,
  DeviceSecretAuthenticator,
  HttpAuthenticator,
  JwtAuthenticator,
  MysqlAuthenticator,
  parseStoredConfig,
  PskAuthenticator,
  LdapAuthenticator,
  ScramAuthenticator,
  PostgresqlAuthenticator,
  RedisAuthenticator,
  X509Authenticator,
  type Authenticator,
} from '@mqc/auth';
import type { AuthenticatorEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { AuthenticatorType } from '@mqc/editions';
import type { Logger } from '@mqc/observability';
import { PgBuiltInUserStore } from './built-in-user.store';
import { PgDeviceSecretStore } from './device-secret.store';
import { PgScramCredentialStore } from './scram-credential.store';
import { PgX509Store } from './x509.store';

/** What factories may use to build an authenticator. */
export interface AuthenticatorDeps {
  dataSource: DataSource;
  secrets: SecretBox;
  logger: Logger;
  /** MQC_OUTBOUND_ALLOW: tenant URLs are checked again at connect time. */
  outboundAllow: readonly string[];
}

type Factory = (row: AuthenticatorEntity, deps: AuthenticatorDeps) => Authenticator;

/** The row's configuration with its sealed secrets opened and merged, parsed by the type's schema. */
function configOf<T extends AuthenticatorType>(type: T, row: AuthenticatorEntity, deps: AuthenticatorDeps) {
  const opened = row.secretsSealed ? deps.secrets.openText(row.secretsSealed, SECRET_CONTEXT.authenticatorSecrets(row.id)) : undefined;
  return parseStoredConfig(type, row.config, opened);
}

/** One entry per authenticator type the broker can run. */
export const AUTHENTICATOR_FACTORIES: Partial<Record<AuthenticatorType, Factory>> = {
  'built-in-database': (row, deps) =>
    new BuiltInDatabaseAuthenticator(row.id, configOf('built-in-database', row, deps), new PgBuiltInUserStore(deps.dataSource), {
      onRehashError: (error, context) => deps.logger.warn({ ...context, err: error }, 're-hash after login failed'),
    }),
  jwt: (row, deps) =>
    new JwtAuthenticator(row.id, configOf('jwt', row, deps), {
      outboundAllowList: deps.outboundAllow,
      jwks: { onStaleRefreshError: (error: unknown) => deps.logger.warn({ authenticatorId: row.id, err: error }, 'JWKS refresh failed; using the cached keys') },
    }),
  http: (row, deps) => new HttpAuthenticator(row.id, configOf('http', row, deps), { outboundAllowList: deps.outboundAllow }),
  'device-secret': (row, deps) =>
    new DeviceSecretAuthenticator(row.id, configOf('device-secret', row, deps), new PgDeviceSecretStore(deps.dataSource, deps.secrets)),
  x509: (row, deps) => new X509Authenticator(row.id, configOf('x509', row, deps), new PgX509Store(deps.dataSource)),
  // Platinum (SPEC 4.6): external password databases; tenant URLs pass the outbound guard again on every new connection.
  postgresql: (row, deps) => new PostgresqlAuthenticator(row.id, configOf('postgresql', row, deps), { outboundAllowList: deps.outboundAllow }),
  mysql: (row, deps) => new MysqlAuthenticator(row.id, configOf('mysql', row, deps), { outboundAllowList: deps.outboundAllow }),
  redis: (row, deps) => new RedisAuthenticator(row.id, configOf('redis', row, deps), { outboundAllowList: deps.outboundAllow }),
  // MQTT 5 enhanced authentication against the built-in users' SCRAM keys.
  scram: (row, deps) => new ScramAuthenticator(row.id, configOf('scram', row, deps), new PgScramCredentialStore(deps.dataSource)),
  ldap: (row, deps) => new LdapAuthenticator(row.id, configOf('ldap', row, deps), { outboundAllowList: deps.outboundAllow }),
  // TLS-PSK: the handshake proved the identity; the keys themselves are the instance host's (PskKeyring).
  psk: (row, deps) => new PskAuthenticator(row.id, configOf('psk', row, deps)),
};
