import type { Redis } from 'ioredis';
import { type AsyncAuthorizationSource, type ConnectCredentials, type DatabaseAcl, describeUrl, ExternalDatabaseError, missingPlaceholders, parseRedisAclCommand, parseRedisAclHash, placeholderValues, type RedisAuthorizerConfig, renderTemplate, withDeadline } from '@mqc/auth';
import { redisClients } from '../authenticators/redis.authenticator';
import { cachedRowsSource, type DatabaseAuthorizer, type DatabaseAuthorizerOptions } from './cached-rows-source';

/**
 * EMQX's Redis authorization: `HGETALL key` reads the client's hash of topic → action
 * (`publish`, `subscribe`, `all`), every entry an allow. The key, placeholders rendered,
 * travels as one argument, so client data cannot add arguments or commands. A missing hash,
 * or a client without a value the key needs, has no rules (no-match).
 */
export class RedisAuthorizer implements DatabaseAuthorizer {
  readonly type = 'redis';
  private readonly clients: Redis[];
  private next = 0;
  private readonly key: string;
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: RedisAuthorizerConfig,
    private readonly options: DatabaseAuthorizerOptions = {},
  ) {
    this.key = parseRedisAclCommand(config.command).key;
    this.where = describeUrl(config.url);
    this.clients = redisClients(config, options, `mqc-authorizer-${id}`);
  }

  sourceFor(credentials: ConnectCredentials): AsyncAuthorizationSource {
    return cachedRowsSource(this, credentials, (c) => this.read(c), this.config.cacheTtlSeconds * 1000, this.options.now ?? Date.now);
  }

  private async read(credentials: ConnectCredentials): Promise<DatabaseAcl> {
    const values = placeholderValues(credentials);
    if (missingPlaceholders(this.key, values).length > 0) return { kind: 'rules', rules: [] };
    const key = renderTemplate(this.key, values);
    const client = this.clients[this.next++ % this.clients.length] as Redis;
    let hash: Record<string, string>;
    try {
      hash = await withDeadline(client.hgetall(key), this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`Redis ${this.where}: ${why}`, { cause: error });
    }
    return parseRedisAclHash(hash);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.disconnect();
  }
}
