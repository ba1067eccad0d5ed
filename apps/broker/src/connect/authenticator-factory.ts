import type { DataSource } from 'typeorm';
import { parseStoredConfig, type Authenticator, type AuthenticatorType } from '@mqc/auth';
import { AUTHENTICATOR_RUNTIMES, type AuthenticatorRuntime, type AuthenticatorRuntimeDeps } from '@mqc/auth-drivers';
import type { AuthenticatorEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
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

function runtimeDeps(deps: AuthenticatorDeps): AuthenticatorRuntimeDeps {
  return {
    outboundAllow: deps.outboundAllow,
    stores: {
      builtInUsers: new PgBuiltInUserStore(deps.dataSource),
      deviceSecrets: new PgDeviceSecretStore(deps.dataSource, deps.secrets),
      x509: new PgX509Store(deps.dataSource),
      scramCredentials: new PgScramCredentialStore(deps.dataSource),
    },
    warn: (context, message) => deps.logger.warn(context, message),
  };
}

/** One entry per authenticator type the broker can run: the runtimes of @mqc/auth-drivers, fed from a row. */
export const AUTHENTICATOR_FACTORIES: Partial<Record<AuthenticatorType, Factory>> = Object.fromEntries(
  Object.entries(AUTHENTICATOR_RUNTIMES).map(([type, runtime]) => {
    const create = runtime as AuthenticatorRuntime<AuthenticatorType>;
    const factory: Factory = (row, deps) => create(row.id, configOf(type as AuthenticatorType, row, deps), runtimeDeps(deps));
    return [type, factory];
  }),
);
