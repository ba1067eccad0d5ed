import { z } from 'zod';
import { AUTHENTICATOR_CONFIG_SCHEMAS, AUTHENTICATOR_TYPES } from '@mqc/auth';
import { chainCreateDocSchema, chainCreateSchema, chainMetricsSchema, chainUpdateSchema, chainViewSchema } from '../../common/chain-schemas';

export const createAuthenticatorSchema = chainCreateSchema(z.enum(AUTHENTICATOR_TYPES, { message: `must be one of ${AUTHENTICATOR_TYPES.join(', ')}` }));

export const updateAuthenticatorSchema = chainUpdateSchema;

export const orderSchema = z.object({ ids: z.array(z.uuid()).min(1) }).strict();

export const createAuthenticatorDocSchema = chainCreateDocSchema(AUTHENTICATOR_TYPES.map((type) => ({ type, config: AUTHENTICATOR_CONFIG_SCHEMAS[type] as z.ZodType })));

export const authenticatorViewSchema = chainViewSchema(z.enum(AUTHENTICATOR_TYPES), chainMetricsSchema(['allow', 'deny', 'ignore', 'error']));
export const authenticatorListSchema = z.object({ items: z.array(authenticatorViewSchema) });
