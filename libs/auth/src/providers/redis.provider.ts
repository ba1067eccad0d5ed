import type { z } from 'zod';
import { refuseProblem, template } from '../config/common';
import { databaseUrlField } from '../config/database-url-field';
import { passwordDatabaseConfig } from '../config/password-database';
import { defineProvider } from './provider';

export const REDIS_COMMANDS = ['HGET', 'HMGET'] as const;
export const REDIS_FIELDS = ['password_hash', 'password', 'salt', 'is_superuser'] as const;

/** `HMGET key field…` or `HGET key field`, split on spaces; undefined parts are reported by validateRedisCommand. */
export function parseRedisCommand(command: string): { command: string; key: string; fields: string[] } {
  const [name = '', key = '', ...fields] = command.trim().split(/\s+/);
  return { command: name.toUpperCase(), key, fields };
}

/** Why a command cannot be used, or undefined. Only hash reads are allowed (SPEC 4.6). */
export function redisCommandProblem(text: string): string | undefined {
  const { command, key, fields } = parseRedisCommand(text);
  if (!(REDIS_COMMANDS as readonly string[]).includes(command)) {
    return `command must be HGET or HMGET (a read of a hash), not ${command || 'an empty command'}`;
  }
  if (!key) return `${command} needs a key, e.g. mqtt_user:\${username}`;
  if (fields.length === 0) return `${command} needs the field(s) to read after the key`;
  if (command === 'HGET' && fields.length > 1) return 'HGET reads one field; use HMGET to read several';
  const unknown = fields.filter((f) => !(REDIS_FIELDS as readonly string[]).includes(f));
  if (unknown.length > 0) return `unknown field(s) ${unknown.join(', ')}; fields are ${REDIS_FIELDS.join(', ')}`;
  if (new Set(fields).size !== fields.length) return 'a field is named twice';
  if (!fields.includes('password_hash') && !fields.includes('password')) return `${command} must read password_hash (or password)`;
  return undefined;
}

/**
 * The server's URL (the outbound guard checks it); the redis authorizer reads the same.
 * ioredis would read options (a unix socket path…) from the URL's query: none are taken.
 */
export const redisUrl = databaseUrlField('redis', ['redis', 'rediss']);

/** SPEC 4.6: Redis hashes read with HGET/HMGET; the key may hold placeholders. */
export const redisConfigSchema = passwordDatabaseConfig('redis', {
  url: redisUrl,
  command: template('command', 1024).superRefine(refuseProblem(redisCommandProblem)),
});

export type RedisConfig = z.output<typeof redisConfigSchema>;

export const redisProvider = defineProvider({
  type: 'redis',
  method: 'external-database',
  perChain: 'many',
  config: redisConfigSchema,
});
