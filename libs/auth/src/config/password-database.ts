import type { z } from 'zod';
import { passwordHashParamsSchema } from '../password/password-hash-params';
import { configObject, poolSize, secretText, timeoutMs } from './common';

/**
 * What the external password databases share (SPEC 4.6): the hash algorithm of their rows,
 * an optional password kept apart from the URL (either is stored sealed), a timeout and a pool.
 */
export const passwordDatabaseFields = {
  passwordHash: passwordHashParamsSchema.prefault({ name: 'sha256', saltPosition: 'prefix' }),
  password: secretText('password').optional(),
  timeoutMs,
  poolSize,
};

/** A password database's closed configuration: its own fields (url, query…), then the shared ones. */
export function passwordDatabaseConfig<T extends z.ZodRawShape>(type: string, shape: T) {
  return configObject(type, { ...shape, ...passwordDatabaseFields });
}
