import { z } from 'zod';
import { createdApiKeySchema } from '../api-keys/api-key.dto';

export const createTenantSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export const tenantViewSchema = z.object({ id: z.uuid(), name: z.string(), createdAt: z.iso.datetime() });
export const createdTenantSchema = z.object({ tenant: tenantViewSchema, apiKey: createdApiKeySchema });
export const tenantListSchema = z.object({ items: z.array(tenantViewSchema) });
