import type { z } from 'zod';
import { refuseProblem, template } from '../../config/common';
import { defineProvider } from '../../providers/provider';
import { redisUrl } from '../../providers/redis.provider';
import { DATABASE_AUTHORIZER_PLACEHOLDERS, databaseAuthorizerConfig } from './database-authorizer-fields';

/** `HGETALL key`, split on spaces; what is wrong with it is reported by redisAclCommandProblem. */
export function parseRedisAclCommand(command: string): { command: string; key: string; extra: string[] } {
  const [name = '', key = '', ...extra] = command.trim().split(/\s+/);
  return { command: name.toUpperCase(), key, extra };
}

/** Why a command cannot read a client's rules, or undefined: only `HGETALL key` (EMQX's contract). */
export function redisAclCommandProblem(text: string): string | undefined {
  const { command, key, extra } = parseRedisAclCommand(text);
  if (command !== 'HGETALL') return `command must be HGETALL (a read of the client's hash), not ${command || 'an empty command'}`;
  if (!key) return 'HGETALL needs a key, e.g. mqtt_acl:${username}';
  if (extra.length > 0) return 'HGETALL takes the key only';
  return undefined;
}

/**
 * EMQX's Redis authorization: `HGETALL mqtt_acl:${username}` reads a hash of topic → action
 * (`publish`, `subscribe`, `all`); every entry allows (EMQX's Redis rows are allow-only), no
 * entry falls through. The key travels as one argument. Platinum.
 */
export const redisAuthorizerConfigSchema = databaseAuthorizerConfig('redis', {
  url: redisUrl,
  command: template('command', 1024, DATABASE_AUTHORIZER_PLACEHOLDERS).superRefine(refuseProblem(redisAclCommandProblem)),
});

export type RedisAuthorizerConfig = z.output<typeof redisAuthorizerConfigSchema>;

export const redisAuthorizer = defineProvider({
  type: 'redis',
  method: 'external-database',
  perChain: 'many',
  config: redisAuthorizerConfigSchema,
});
