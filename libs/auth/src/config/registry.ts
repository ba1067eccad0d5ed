import { AUTHENTICATOR_PROVIDERS, type AuthenticatorConfigOf, type AuthenticatorType, type ProviderOf } from '../providers/authenticator-providers';
import { markedFields } from './field-markers';
import { mergeSecrets, parseConfigSecrets, type ConfigSecret, type SecretField } from './secrets';

/**
 * Each authenticator type's configuration schema: the control plane validates with it, the
 * broker parses the stored configuration (secrets merged back) with the same one.
 */
export const AUTHENTICATOR_CONFIG_SCHEMAS = Object.fromEntries(AUTHENTICATOR_PROVIDERS.map((p) => [p.type, p.config])) as {
  readonly [T in AuthenticatorType]: ProviderOf<T>['config'];
};

const MARKED = new Map(AUTHENTICATOR_PROVIDERS.map((p) => [p.type, markedFields(p.config)]));

/** The secret fields of each type (marked on the fields): sealed at rest, never returned by the API. */
export const SECRET_FIELDS = Object.fromEntries([...MARKED].map(([type, marked]) => [type, marked.secrets])) as unknown as Readonly<
  Record<AuthenticatorType, readonly SecretField[]>
>;

/** The fields holding URLs the outbound guard must check (SPEC 4.4), per type (marked on the fields). */
export const OUTBOUND_URL_FIELDS = Object.fromEntries([...MARKED].map(([type, marked]) => [type, marked.outboundUrls])) as unknown as Readonly<
  Record<AuthenticatorType, readonly string[]>
>;

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
