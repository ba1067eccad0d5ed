import type { z } from 'zod';
import { PLACEHOLDERS, boundedInt, configObject, poolSize, secretText, timeoutMs } from '../../config/common';

/**
 * What the postgresql, mysql and redis authorizers bind into their query or key: the
 * authentication placeholders but the password (an authorizer never needs it, so the broker
 * need not keep it after CONNECT).
 */
export const DATABASE_AUTHORIZER_PLACEHOLDERS = PLACEHOLDERS.filter((p) => p !== 'password');

/** The connection and cache settings the database authorizers share (the url is the authenticator's). */
export const databaseAuthorizerFields = {
  /** Kept apart from the URL when it has none; stored sealed. */
  password: secretText('password').optional(),
  timeoutMs,
  poolSize,
  /** How long a client's fetched rows are reused before they are read again; 0 reads them on every check. */
  cacheTtlSeconds: boundedInt('cacheTtlSeconds', 0, 3600).default(60),
};

/** A database authorizer's closed configuration: its own fields (url, query or command), then the shared ones. */
export function databaseAuthorizerConfig<T extends z.ZodRawShape>(type: string, shape: T) {
  return configObject(type, { ...shape, ...databaseAuthorizerFields });
}
