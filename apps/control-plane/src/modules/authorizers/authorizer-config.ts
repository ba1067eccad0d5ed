import {
  AUTHORIZER_PROVIDERS,
  SECRET_MASK,
  authorizerProviderOf,
  markedFields,
  maskedPaths,
  restoreMaskedSecrets,
  splitSecrets,
  type AuthorizerType,
  type ConfigSecret,
} from '@mqc/auth';
import { ValidationError } from '../../common/domain-errors';
import type { PreparedConfig } from '../authenticators/authenticator-config';

/** Types a chain holds once (their provider says `once`): built-in rules and client-info. */
export const SINGLE_AUTHORIZER_TYPES: ReadonlySet<AuthorizerType> = new Set(AUTHORIZER_PROVIDERS.filter((p) => p.perChain === 'once').map((p) => p.type));

/** The secret and outbound URL fields of each authorizer type, marked on its schema fields. */
const MARKED = new Map(AUTHORIZER_PROVIDERS.map((p) => [p.type as AuthorizerType, markedFields(p.config)]));

function marked(type: AuthorizerType) {
  const found = MARKED.get(type);
  if (!found) throw new Error(`no authorizer provider for ${type}`);
  return found;
}

/**
 * Validates an authorizer configuration sent to the API, as the authenticators' is: a secret
 * sent back as SECRET_MASK keeps the stored one (`previous`), secrets are taken out to seal,
 * and the URLs the outbound guard must check are named by field.
 */
export function prepareAuthorizerConfig(type: AuthorizerType, input: Record<string, unknown>, previous: readonly ConfigSecret[] = []): PreparedConfig {
  const { secrets: secretFields, outboundUrls } = marked(type);
  const restored = restoreMaskedSecrets(input, previous);
  const masked = maskedPaths(restored, secretFields);
  if (masked.length > 0) {
    throw new ValidationError(masked.map((path) => ({ field: ['config', ...path].join('.'), message: `${SECRET_MASK} stands for a stored secret, and there is none here: send the value` })));
  }
  const parsed = authorizerProviderOf(type).config.safeParse(restored);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: ['config', ...i.path.map(String)].join('.'), message: i.message })));
  }
  const full = parsed.data as Record<string, unknown>;
  const { config, secrets } = splitSecrets(full, secretFields);
  const urls = outboundUrls.flatMap((field) => (typeof full[field] === 'string' ? [{ field: `config.${field}`, url: full[field] as string }] : []));
  return { config, secrets, urls };
}
