import type { z } from 'zod';
import { builtInDatabaseConfigSchema } from '@mqc/auth';
import type { AuthenticatorType } from '@mqc/editions';

/**
 * Each authenticator type's configuration schema. A type without one cannot be created yet
 * (its issue adds it here and its authenticator to the broker).
 */
export const CONFIG_SCHEMAS: Partial<Record<AuthenticatorType, z.ZodType<Record<string, unknown>>>> = {
  'built-in-database': builtInDatabaseConfigSchema,
};
