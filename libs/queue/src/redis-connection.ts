import { Redis } from 'ioredis';

/** Redis cannot be reached: the apps print this one line and stop. */
export class RedisUnreachableError extends Error {
  constructor(url: string, cause: string) {
    super(`cannot reach Redis at ${redactUrl(url)} (${cause}); start it or set REDIS_URL`);
    this.name = 'RedisUnreachableError';
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * A connection for commands and BullMQ (`maxRetriesPerRequest: null`, as BullMQ requires),
 * checked with PING before use so a wrong URL fails fast with a clear message.
 */
export async function connectRedis(url: string, name: string, timeoutMs = 3_000): Promise<Redis> {
  const redis = new Redis(url, { connectionName: name, maxRetriesPerRequest: null, lazyConnect: true, connectTimeout: timeoutMs });
  // While we check, keep ioredis' first socket error for the one line we print (its own
  // rejection only says "Connection is closed").
  let socketError: Error | undefined;
  const remember = (error: Error) => (socketError ??= error);
  redis.on('error', remember);
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)),
    ]);
  } catch (error) {
    redis.disconnect();
    const cause = socketError ?? error;
    throw new RedisUnreachableError(url, cause instanceof Error ? cause.message || 'connection refused' : String(cause));
  }
  redis.off('error', remember);
  redis.on('error', () => undefined);
  return redis;
}
