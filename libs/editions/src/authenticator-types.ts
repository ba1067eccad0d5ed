import type { AuthMethod } from './catalog';

/** Authenticator `type`s of the console API (SPEC section 7). */
export const AUTHENTICATOR_TYPES = [
  'built-in-database',
  'jwt',
  'http',
  'device-secret',
  'x509',
  'postgresql',
  'mysql',
  'redis',
  'mongodb',
  'ldap',
  'scram',
  'psk',
] as const;
export type AuthenticatorType = (typeof AUTHENTICATOR_TYPES)[number];

/**
 * The edition method an authenticator type needs. `x509` is available to every edition in
 * its TLS and mTLS modes; one-device-one-certificate (BYOC) is gated by the X.509 settings.
 */
export const METHOD_OF_TYPE: Readonly<Record<AuthenticatorType, AuthMethod>> = {
  'built-in-database': 'password',
  jwt: 'jwt',
  http: 'http',
  'device-secret': 'device-secret',
  x509: 'x509-mtls',
  postgresql: 'external-database',
  mysql: 'external-database',
  redis: 'external-database',
  mongodb: 'external-database',
  ldap: 'ldap',
  scram: 'scram',
  psk: 'psk',
};

export function isAuthenticatorType(value: string): value is AuthenticatorType {
  return (AUTHENTICATOR_TYPES as readonly string[]).includes(value);
}
