import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthorizationVerdict } from '@mqc/auth';
import { AuthorizationCheckBus } from './authorization-check-bus';
import { connectRedis } from './redis-connection';

const check = { clientId: 'dev-1', action: 'publish' as const, topic: 't/1', qos: 0 as const, retain: false };

describe('AuthorizationCheckBus over a real Redis', () => {
  let redis: Redis;
  const prefix = `mqc-test-${randomUUID()}`;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    redis = await connectRedis(process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', 'test');
  });

  afterAll(async () => {
    for (const close of closers) await close();
    await redis.quit();
  });

  it('hands each of several waiting dry runs the answer to its own request', async () => {
    const node = new AuthorizationCheckBus(redis, prefix);
    closers.push(await node.answer(async (instanceId, asked) => ({ decision: 'allow', by: null, reason: `${instanceId} ${asked.topic}` }) satisfies AuthorizationVerdict, () => undefined));
    const plane = new AuthorizationCheckBus(redis, prefix);
    closers.push(() => plane.close());
    const [a, b] = [randomUUID(), randomUUID()];
    const answers = await Promise.all([plane.ask(a, check, 5_000), plane.ask(b, { ...check, topic: 't/2' }, 5_000)]);
    expect(answers.map((v) => v?.reason)).toEqual([`${a} t/1`, `${b} t/2`]);
  });

  it('does not ask when too many dry runs wait already, and gives up when no node answers', async () => {
    const plane = new AuthorizationCheckBus(redis, `${prefix}-silent`, 1);
    closers.push(() => plane.close());
    const first = plane.ask(randomUUID(), check, 300);
    expect(await plane.ask(randomUUID(), check, 300)).toBeUndefined();
    expect(await first).toBeUndefined();
  });
});
