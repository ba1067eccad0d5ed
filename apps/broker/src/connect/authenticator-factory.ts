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
  /**
   * An authenticator dry run (node/authenticator-test.ts): the stores read but write nothing
   * (a built-in user's hash is not upgraded, a certificate is not registered just in time:
   * the entry it would get is answered).
   */
  dryRun?: boolean;
}

type Factory = (row: AuthenticatorEntity, deps: AuthenticatorDeps) => Authenticator;

/** The row's configuration with its sealed secrets opened and merged, parsed by the type's schema. */
function configOf<T extends AuthenticatorType>(type: T, row: AuthenticatorEntity, deps: AuthenticatorDeps) {
  const opened = row.secretsSealed ? deps.secrets.openText(row.secretsSealed, SECRET_CONTEXT.authenticatorSecrets(row.id)) : undefined;
  return parseStoredConfig(type, row.config, opened);
}

type Stores = AuthenticatorRuntimeDeps['stores'];

/** The stores of a dry run: the same reads, no writes. */
function readOnly(stores: Stores): Stores {
  return {
    ...stores,
    // No replaceHash: a re-hash after a successful check is not stored.
    builtInUsers: { find: (instanceId, userId) => stores.builtInUsers.find(instanceId, userId) },
    x509: {
      lookup: (instanceId, certificate) => stores.x509.lookup(instanceId, certificate),
      registerJustInTime: async (_instanceId, certificate, o) => ({ clientId: certificate.commonName, status: o.status, fingerprint256: certificate.fingerprint256 }),
    },
  };
}

function runtimeDeps(deps: AuthenticatorDeps): AuthenticatorRuntimeDeps {
  const stores: Stores = {
    builtInUsers: new PgBuiltInUserStore(deps.dataSource),
    deviceSecrets: new PgDeviceSecretStore(deps.dataSource, deps.secrets),
    x509: new PgX509Store(deps.dataSource),
    scramCredentials: new PgScramCredentialStore(deps.dataSource),
  };
  return {
    outboundAllow: deps.outboundAllow,
    stores: deps.dryRun ? readOnly(stores) : stores,
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
