import type { z } from 'zod';
import type { AuthenticatorType } from '@mqc/editions';
import { builtInDatabaseConfigSchema } from './built-in-database.config';
import { deviceSecretConfigSchema } from './device-secret.config';
import { httpConfigSchema } from './http.config';
import { jwtConfigSchema } from './jwt.config';
import { ldapConfigSchema } from './ldap.config';
import { mongodbConfigSchema } from './mongodb.config';
import { mysqlConfigSchema } from './mysql.config';
import { postgresqlConfigSchema } from './postgresql.config';
import { pskConfigSchema } from './psk.config';
import { redisConfigSchema } from './redis.config';
import { scramConfigSchema } from './scram.config';
import { mergeSecrets, parseConfigSecrets, type ConfigSecret, type SecretField } from './secrets';
import { x509ConfigSchema } from './x509.config';

/**
 * Each authenticator type's configuration schema: the control plane validates with it, the
 * broker parses the stored configuration (secrets merged back) with the same one.
 */
export const AUTHENTICATOR_CONFIG_SCHEMAS = {
  'built-in-database': builtInDatabaseConfigSchema,
  jwt: jwtConfigSchema,
  http: httpConfigSchema,
  'device-secret': deviceSecretConfigSchema,
  x509: x509ConfigSchema,
  postgresql: postgresqlConfigSchema,
  mysql: mysqlConfigSchema,
  redis: redisConfigSchema,
  mongodb: mongodbConfigSchema,
  ldap: ldapConfigSchema,
  scram: scramConfigSchema,
  psk: pskConfigSchema,
} as const satisfies Record<AuthenticatorType, z.ZodType>;

export type AuthenticatorConfigOf<T extends AuthenticatorType> = z.output<(typeof AUTHENTICATOR_CONFIG_SCHEMAS)[T]>;

const databasePassword: SecretField[] = [
  { path: ['password'], kind: 'value' },
  { path: ['url'], kind: 'url-password' },
];

/** The secret fields of each type: sealed at rest, never returned by the API. */
export const SECRET_FIELDS: Readonly<Record<AuthenticatorType, readonly SecretField[]>> = {
  'built-in-database': [],
  jwt: [{ path: ['secret'], kind: 'value' }],
  http: [
    { path: ['headers', '*'], kind: 'value' },
    { path: ['url'], kind: 'url-password' },
  ],
  'device-secret': [],
  x509: [],
  postgresql: databasePassword,
  mysql: databasePassword,
  redis: databasePassword,
  mongodb: databasePassword,
  ldap: [
    { path: ['bindPassword'], kind: 'value' },
    { path: ['url'], kind: 'url-password' },
  ],
  scram: [],
  psk: [{ path: ['identities', '*'], kind: 'value' }],
};

/** The fields holding URLs the outbound guard must check (SPEC 4.4), per type. */
export const OUTBOUND_URL_FIELDS: Readonly<Record<AuthenticatorType, readonly string[]>> = {
  'built-in-database': [],
  jwt: ['jwksUrl'],
  http: ['url'],
  'device-secret': [],
  x509: [],
  postgresql: ['url'],
  mysql: ['url'],
  redis: ['url'],
  mongodb: ['url'],
  ldap: ['url'],
  scram: [],
  psk: [],
};

/** The URLs of a configuration that lead out of the cloud, with the field each sits in. */
export function outboundUrls(type: AuthenticatorType, config: Record<string, unknown>): { field: string; url: string }[] {
  return OUTBOUND_URL_FIELDS[type].flatMap((field) => {
    const url = config[field];
    return typeof url === 'string' ? [{ field, url }] : [];
  });
}

/**
 * The broker's way in: a stored row's configuration, with its opened secrets (the plaintext
 * of `secrets_sealed`, or undefined when it has none) merged back, parsed by its type's schema.
 */
export function parseStoredConfig<T extends AuthenticatorType>(
  type: T,
  config: Record<string, unknown>,
  openedSecrets?: string | readonly ConfigSecret[],
): AuthenticatorConfigOf<T> {
  const secrets = openedSecrets === undefined ? [] : typeof openedSecrets === 'string' ? parseConfigSecrets(openedSecrets) : openedSecrets;
  return AUTHENTICATOR_CONFIG_SCHEMAS[type].parse(mergeSecrets(config, secrets)) as AuthenticatorConfigOf<T>;
}
