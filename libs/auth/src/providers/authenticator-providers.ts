import type { z } from 'zod';
import { editionAllows, editionChangeBlockersFor, type AuthMethod, type EditionChangeBlocker, type EditionName, type EditionUsage } from '@mqc/editions';
import { builtInDatabaseProvider } from './built-in-database.provider';
import { deviceSecretProvider } from './device-secret.provider';
import { httpProvider } from './http.provider';
import { jwtProvider } from './jwt.provider';
import { ldapProvider } from './ldap.provider';
import { mongodbProvider } from './mongodb.provider';
import { mysqlProvider } from './mysql.provider';
import { postgresqlProvider } from './postgresql.provider';
import type { Provider } from './provider';
import { pskProvider } from './psk.provider';
import { redisProvider } from './redis.provider';
import { scramProvider } from './scram.provider';
import { x509Provider } from './x509.provider';

/**
 * The authenticator types of the console API (SPEC section 7), one provider file each. Every
 * table about types (the API's enum, edition gate, schemas, secret and URL fields, what may
 * appear once per chain, the broker's runtimes) is derived from this list.
 */
export const AUTHENTICATOR_PROVIDERS = [
  builtInDatabaseProvider,
  jwtProvider,
  httpProvider,
  deviceSecretProvider,
  x509Provider,
  postgresqlProvider,
  mysqlProvider,
  redisProvider,
  mongodbProvider,
  ldapProvider,
  scramProvider,
  pskProvider,
] as const satisfies readonly Provider<string, AuthMethod>[];

export type AuthenticatorProvider = (typeof AUTHENTICATOR_PROVIDERS)[number];
export type AuthenticatorType = AuthenticatorProvider['type'];
export type ProviderOf<T extends AuthenticatorType> = Extract<AuthenticatorProvider, { type: T }>;
export type AuthenticatorConfigOf<T extends AuthenticatorType> = z.output<ProviderOf<T>['config']>;

type TypesOf<P extends readonly { type: string }[]> = { -readonly [K in keyof P]: P[K]['type'] };

export const AUTHENTICATOR_TYPES = AUTHENTICATOR_PROVIDERS.map((p) => p.type) as unknown as Readonly<TypesOf<typeof AUTHENTICATOR_PROVIDERS>>;

const BY_TYPE = new Map<string, AuthenticatorProvider>(AUTHENTICATOR_PROVIDERS.map((p) => [p.type, p]));

export function isAuthenticatorType(value: string): value is AuthenticatorType {
  return BY_TYPE.has(value);
}

export function providerOf<T extends AuthenticatorType>(type: T): ProviderOf<T> {
  return BY_TYPE.get(type) as ProviderOf<T>;
}

/** The edition method each type needs. */
export const METHOD_OF_TYPE = Object.fromEntries(AUTHENTICATOR_PROVIDERS.map((p) => [p.type, p.method])) as Readonly<Record<AuthenticatorType, AuthMethod>>;

export function editionAllowsType(edition: EditionName, type: AuthenticatorType): boolean {
  return editionAllows(edition, METHOD_OF_TYPE[type]);
}

/** Upgrades always pass; a downgrade lists everything the target edition would not allow. */
export function editionChangeBlockers(target: EditionName, usage: EditionUsage<AuthenticatorType>): EditionChangeBlocker<AuthenticatorType>[] {
  return editionChangeBlockersFor(target, usage, (type) => METHOD_OF_TYPE[type]);
}
