import { z } from 'zod';
import { jsonTemplate } from '../config/common';
import { databaseUrlField } from '../config/database-url-field';
import { passwordDatabaseConfig } from '../config/password-database';
import { defineProvider } from './provider';

const NAME = /^[^$\0]+$/;
const fieldName = (field: string, fallback: string) =>
  z.string().min(1).max(256).regex(NAME, { error: `${field} must be a document field name` }).default(fallback);

/** SPEC 4.6: a find-one in a collection; the filter's strings may hold placeholders. */
export const mongodbConfigSchema = passwordDatabaseConfig('mongodb', {
  url: databaseUrlField('mongodb', ['mongodb', 'mongodb+srv']),
  database: z.string({ error: 'database must be a string' }).min(1).max(64).regex(/^[^/\\. "$*<>:|?]+$/, { error: 'database must be a MongoDB database name' }),
  collection: z.string({ error: 'collection must be a string' }).min(1).max(255).regex(NAME, { error: 'collection must be a MongoDB collection name' }),
  /** E.g. `{"username": "${username}"}`. */
  filter: z.record(z.string().min(1), jsonTemplate('filter value'), { error: 'filter must be an object' }).refine((f) => Object.keys(f).length > 0, {
    error: 'filter must name at least one field',
  }),
  passwordHashField: fieldName('passwordHashField', 'password_hash'),
  saltField: fieldName('saltField', 'salt'),
  isSuperuserField: fieldName('isSuperuserField', 'is_superuser'),
});

export type MongodbConfig = z.output<typeof mongodbConfigSchema>;

export const mongodbProvider = defineProvider({
  type: 'mongodb',
  method: 'external-database',
  perChain: 'many',
  config: mongodbConfigSchema,
});
