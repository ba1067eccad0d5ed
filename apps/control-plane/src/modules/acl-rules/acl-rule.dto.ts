import { z } from 'zod';
import { ACL_ACTIONS, ACL_PERMISSIONS } from '@mqc/auth';
import { ACL_IMPORT_COLUMNS } from './acl-rule-import-parser';

export const listAclRulesSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().regex(/^\d{1,9}$/, { error: 'after is the nextCursor of the previous page' }).optional(),
});

export const aclRuleViewSchema = z.object({
  id: z.uuid(),
  position: z.number().int().describe('0 is evaluated first'),
  permission: z.enum(ACL_PERMISSIONS),
  action: z.enum(ACL_ACTIONS),
  topic: z.string(),
  qos: z.array(z.union([z.literal(0), z.literal(1), z.literal(2)])).optional(),
  retain: z.boolean().optional(),
  clientId: z.string().optional(),
  username: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const aclRulePageSchema = z.object({ items: z.array(aclRuleViewSchema), nextCursor: z.string().nullable() });
export const aclRuleImportResultSchema = z.object({ imported: z.number().int() });

export const aclRuleImportCsvSchema = z
  .string()
  .describe(`text/csv with a header line naming the columns ${ACL_IMPORT_COLUMNS.join(',')} (permission, action and topic required); qos lists levels as 0|1; an empty cell leaves the field out`);
