import { z } from 'zod';
import { AUTHORIZER_PROVIDERS, AUTHORIZER_TYPES } from '@mqc/auth';
import { chainCreateDocSchema, chainCreateSchema, chainMetricsSchema, chainUpdateSchema, chainViewSchema } from '../../common/chain-schemas';

const typeEnum = z.enum(AUTHORIZER_TYPES as [string, ...string[]], { message: `must be one of ${AUTHORIZER_TYPES.join(', ')}` });

export const createAuthorizerSchema = chainCreateSchema(typeEnum);

export const updateAuthorizerSchema = chainUpdateSchema;

export const createAuthorizerDocSchema = chainCreateDocSchema(AUTHORIZER_PROVIDERS.map((p) => ({ type: p.type, config: p.config as z.ZodType })));

export const authorizerViewSchema = chainViewSchema(typeEnum, chainMetricsSchema(['allow', 'deny', 'noMatch', 'error', 'cacheHits']));
export const authorizerListSchema = z.object({ items: z.array(authorizerViewSchema) });
