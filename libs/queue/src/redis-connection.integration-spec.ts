import { describe, expect, it } from 'vitest';
import { RedisUnreachableError, connectRedis } from './redis-connection';

describe('connectRedis', () => {
  it('answers a connection that PINGs', async () => {
    const redis = await connectRedis(process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', 'test');
    expect(await redis.ping()).toBe('PONG');
    await redis.quit();
  });

  it('fails fast with one line naming the URL when Redis cannot be reached', async () => {
    const attempt = connectRedis('redis://user:pw@127.0.0.1:1', 'test', 1_000);
    await expect(attempt).rejects.toBeInstanceOf(RedisUnreachableError);
    await expect(attempt).rejects.toThrow(/^cannot reach Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1 \(.+\); start it or set REDIS_URL$/);
  });
});
