import { z } from 'zod';
import { AUTHENTICATOR_TYPES } from '@mqc/editions';

export const createAuthenticatorSchema = z
  .object({
    type: z.enum(AUTHENTICATOR_TYPES, { message: `must be one of ${AUTHENTICATOR_TYPES.join(', ')}` }),
    config: z.record(z.string(), z.unknown()).default({}),
    enabled: z.boolean().default(true),
  })
  .strict();

export const updateAuthenticatorSchema = z
  .object({ config: z.record(z.string(), z.unknown()).optional(), enabled: z.boolean().optional() })
  .strict();

export const orderSchema = z.object({ ids: z.array(z.uuid()).min(1) }).strict();
