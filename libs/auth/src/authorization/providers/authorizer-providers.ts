import type { z } from 'zod';
import { editionAllows, type AuthMethod, type EditionName } from '@mqc/editions';
import { mergeSecrets, parseConfigSecrets, type ConfigSecret } from '../../config/secrets';
import type { Provider } from '../../providers/provider';
import { builtInDatabaseAuthorizer } from './built-in-database.authorizer';
import { clientInfoAuthorizer } from './client-info.authorizer';
import { httpAuthorizer } from './http.authorizer';
import { mysqlAuthorizer } from './mysql.authorizer';
import { postgresqlAuthorizer } from './postgresql.authorizer';
import { redisAuthorizer } from './redis.authorizer';

/**
 * The authorizer types of an instance's authorization chain, one provider file each (the shape
 * of the authenticator providers). `method` is the edition method that carries the type:
 * built-in rules come with passwords (basic), client-info with JWT (professional), http with
 * HTTP authentication (professional), the databases with the external databases (platinum). Every table about authorizer types is derived from it.
 */
export const AUTHORIZER_PROVIDERS = [builtInDatabaseAuthorizer, clientInfoAuthorizer, httpAuthorizer, postgresqlAuthorizer, mysqlAuthorizer, redisAuthorizer] as const satisfies readonly Provider<string, AuthMethod>[];

export type AuthorizerProvider = (typeof AUTHORIZER_PROVIDERS)[number];
export type AuthorizerType = AuthorizerProvider['type'];
export type AuthorizerConfigOf<T extends AuthorizerType> = z.output<Extract<AuthorizerProvider, { type: T }>['config']>;

export const AUTHORIZER_TYPES = AUTHORIZER_PROVIDERS.map((p) => p.type) as readonly AuthorizerType[];

/**
 * The types evaluated in process from the instance's own data (its rules, the client's ACL),
 * by the broker and by the control plane's dry run. Every other type is a backend: the broker
 * runs it with its runtime in @mqc/auth-drivers (AUTHORIZER_RUNTIMES, typed by
 * BackendAuthorizerType, so that a backend provider without a runtime does not compile).
 */
export const IN_PROCESS_AUTHORIZER_TYPES = ['built-in-database', 'client-info'] as const satisfies readonly AuthorizerType[];
export type InProcessAuthorizerType = (typeof IN_PROCESS_AUTHORIZER_TYPES)[number];
export type BackendAuthorizerType = Exclude<AuthorizerType, InProcessAuthorizerType>;

export function isInProcessAuthorizerType(type: string): type is InProcessAuthorizerType {
  return (IN_PROCESS_AUTHORIZER_TYPES as readonly string[]).includes(type);
}

const BY_TYPE = new Map<string, AuthorizerProvider>(AUTHORIZER_PROVIDERS.map((p) => [p.type, p]));

export function isAuthorizerType(value: string): value is AuthorizerType {
  return BY_TYPE.has(value);
}

export function authorizerProviderOf<T extends AuthorizerType>(type: T): Extract<AuthorizerProvider, { type: T }> {
  return BY_TYPE.get(type) as Extract<AuthorizerProvider, { type: T }>;
}

export function editionAllowsAuthorizer(edition: EditionName, type: AuthorizerType): boolean {
  return editionAllows(edition, authorizerProviderOf(type).method);
}

/**
 * An authorizer's stored configuration with its opened secrets (the plaintext of
 * `authorizers.secrets_sealed`, or the parsed list) merged back, parsed by the type's schema:
 * the broker's side, as parseStoredConfig is for authenticators.
 */
export function parseStoredAuthorizerConfig<T extends AuthorizerType>(type: T, config: Record<string, unknown>, openedSecrets?: string | readonly ConfigSecret[]): AuthorizerConfigOf<T> {
  const secrets = openedSecrets === undefined ? [] : typeof openedSecrets === 'string' ? parseConfigSecrets(openedSecrets) : openedSecrets;
  return authorizerProviderOf(type).config.parse(mergeSecrets(config, secrets)) as AuthorizerConfigOf<T>;
}
