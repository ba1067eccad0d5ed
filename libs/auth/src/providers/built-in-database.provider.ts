import { z } from 'zod';
import { passwordHashParamsSchema } from '../password/password-hash-params';
import { configObject } from '../config/common';
import { defineProvider } from './provider';

export const USER_ID_TYPES = ['username', 'clientid'] as const;

/** Closed, as every type's schema: an unknown field (an EMQX-style `user_id_type`, a `userIDType` typo) is refused by name. */
export const builtInDatabaseConfigSchema = configObject('built-in-database', {
  userIdType: z.enum(USER_ID_TYPES, { error: `userIdType must be one of ${USER_ID_TYPES.join(', ')}` }).default('username'),
  passwordHash: passwordHashParamsSchema.prefault({ name: 'sha256', saltPosition: 'prefix' }),
});

export const builtInDatabaseProvider = defineProvider({
  type: 'built-in-database',
  method: 'password',
  perChain: 'once',
  config: builtInDatabaseConfigSchema,
});
