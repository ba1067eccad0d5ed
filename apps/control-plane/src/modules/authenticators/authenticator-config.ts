import {
  AUTHENTICATOR_CONFIG_SCHEMAS,
  AUTHENTICATOR_PROVIDERS,
  SECRET_FIELDS,
  SECRET_MASK,
  hashCostAboveEdition,
  maskedPaths,
  outboundUrls,
  restoreMaskedSecrets,
  splitSecrets,
  type AuthenticatorType,
  type ConfigSecret,
  type PasswordHashParams,
} from '@mqc/auth';
import type { EditionName } from '@mqc/editions';
import { ValidationError } from '../../common/domain-errors';

/**
 * Types a chain holds once: they judge from the instance's own registries (built-in users,
 * devices, certificates, SCRAM and PSK identities). Webhooks, JWT issuers and external
 * databases may appear several times, each with its own configuration.
 */
export const SINGLE_INSTANCE_TYPES: ReadonlySet<AuthenticatorType> = new Set(AUTHENTICATOR_PROVIDERS.filter((p) => p.perChain === 'once').map((p) => p.type));

/** Each authenticator type's configuration schema: the same ones the broker parses with (@mqc/auth). */
export const CONFIG_SCHEMAS = AUTHENTICATOR_CONFIG_SCHEMAS;

export interface PreparedConfig {
  /** Validated, defaults filled in, secrets taken out: what `authenticators.config` stores. */
  config: Record<string, unknown>;
  /** To seal into `secrets_sealed`. */
  secrets: ConfigSecret[];
  /** The URLs the outbound guard must check, with their fields (`config.url`…). */
  urls: { field: string; url: string }[];
}

/**
 * Validates a configuration sent to the API. `previous` are the stored secrets when the
 * configuration replaces an existing one: a SECRET_MASK sent back where the API showed it
 * keeps the stored secret.
 */
export function prepareConfig(type: AuthenticatorType, input: Record<string, unknown>, previous: readonly ConfigSecret[] = []): PreparedConfig {
  const restored = restoreMaskedSecrets(input, previous);
  const masked = maskedPaths(restored, SECRET_FIELDS[type]);
  if (masked.length > 0) {
    throw new ValidationError(masked.map((path) => ({ field: ['config', ...path].join('.'), message: `${SECRET_MASK} stands for a stored secret, and there is none here: send the value` })));
  }
  const parsed = CONFIG_SCHEMAS[type].safeParse(restored);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: ['config', ...i.path.map(String)].join('.'), message: i.message })));
  }
  const full = parsed.data as Record<string, unknown>;
  const { config, secrets } = splitSecrets(full, SECRET_FIELDS[type]);
  return { config, secrets, urls: outboundUrls(type, full).map(({ field, url }) => ({ field: `config.${field}`, url })) };
}

/**
 * A `passwordHash` (built-in store, external databases) whose cost is above the edition's
 * caps is refused by field: every hash with it (each login, each new password) would pay it.
 */
export function assertHashCostWithinEdition(edition: EditionName, config: Record<string, unknown>): void {
  const params = config['passwordHash'] as PasswordHashParams | undefined;
  if (params === undefined) return;
  const over = hashCostAboveEdition(params, edition);
  if (over.length > 0) throw new ValidationError(over.map((p) => ({ field: `config.passwordHash.${p.field}`, message: p.message })));
}
