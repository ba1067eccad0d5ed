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
