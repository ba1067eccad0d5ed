import { z } from 'zod';

const userId = z.string().min(1).max(256);
const password = z.string().min(1).max(1024);

export const createUserSchema = z.object({ userId, password, isSuperuser: z.boolean().default(false) }).strict();
export const updateUserSchema = z
  .object({ password: password.optional(), isSuperuser: z.boolean().optional() })
  .strict()
  .refine((b) => b.password !== undefined || b.isSuperuser !== undefined, 'give password, isSuperuser or both');
export const listUsersSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().optional(),
});

export const importQuerySchema = z.object({ type: z.enum(['plain', 'hash'], { error: 'type must be plain or hash' }) }).strict();

export const userViewSchema = z.object({
  userId: z.string(),
  isSuperuser: z.boolean(),
  algorithm: z.string().describe('the hash algorithm of this user row'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export const userPageSchema = z.object({ items: z.array(userViewSchema), nextCursor: z.string().nullable() });
export const importResultSchema = z.object({ imported: z.number().int(), type: z.enum(['plain', 'hash']) });

/** The JSON form of an import file (the CSV form has the same columns). */
export const importJsonSchema = z.array(
  z.object({
    user_id: z.string(),
    password: z.string().optional().describe('type=plain'),
    password_hash: z.string().optional().describe('type=hash: hex digest of the authenticator algorithm, or a self-describing $2b$/$pbkdf2-…$/$argon2id$ string'),
    salt: z.string().optional().describe('type=hash'),
    is_superuser: z.boolean().optional(),
  }),
);
export const importCsvSchema = z.string().describe('text/csv with a header line: user_id,password,is_superuser (type=plain) or user_id,password_hash,salt,is_superuser (type=hash)');
