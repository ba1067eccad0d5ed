import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AuthorizationVerdict } from '@mqc/auth';
import { AUTHORIZATION_CHECK } from './instance-operations';
import { answering, instanceOperation, InstanceRequestBus } from './instance-request-bus';
import { connectRedis } from './redis-connection';

const check = { clientId: 'dev-1', action: 'publish' as const, topic: 't/1', qos: 0 as const, retain: false };
const ECHO = instanceOperation('test.echo', z.strictObject({ text: z.string() }), z.strictObject({ text: z.string() }), 1024);

describe('InstanceRequestBus over a real Redis', () => {
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

  async function plane(at: string, maxWaiting?: number): Promise<InstanceRequestBus> {
    const bus = new InstanceRequestBus(redis, at, maxWaiting);
    closers.push(() => bus.close());
    return bus;
  }

  it('hands each of several waiting dry runs the answer to its own request', async () => {
    const node = new InstanceRequestBus(redis, prefix);
    closers.push(
      await node.answer(
        [answering(AUTHORIZATION_CHECK, async (instanceId, asked) => ({ decision: 'allow', by: null, reason: `${instanceId} ${asked.topic}` }) satisfies AuthorizationVerdict)],
        () => undefined,
      ),
    );
    const bus = await plane(prefix);
    const [a, b] = [randomUUID(), randomUUID()];
    const answers = await Promise.all([bus.ask(AUTHORIZATION_CHECK, a, check, 5_000), bus.ask(AUTHORIZATION_CHECK, b, { ...check, topic: 't/2' }, 5_000)]);
    expect(answers.map((v) => v?.reason)).toEqual([`${a} t/1`, `${b} t/2`]);
  });

  it('does not ask when too many dry runs wait already, and gives up when no node answers', async () => {
    const bus = await plane(`${prefix}-silent`, 1);
    const first = bus.ask(AUTHORIZATION_CHECK, randomUUID(), check, 300);
    expect(await bus.ask(AUTHORIZATION_CHECK, randomUUID(), check, 300)).toBeUndefined();
    expect(await first).toBeUndefined();
  });

  it('routes each operation to its own handler; a node that does not serve the instance stays silent', async () => {
    const at = `${prefix}-ops`;
    const served = randomUUID();
    const node = new InstanceRequestBus(redis, at);
    closers.push(
      await node.answer(
        [
          answering(ECHO, async (instanceId, request) => (instanceId === served ? { text: `echo ${request.text}` } : undefined)),
          answering(AUTHORIZATION_CHECK, async () => ({ decision: 'deny' as const, by: null, reason: 'from the check' })),
        ],
        () => undefined,
      ),
    );
    const bus = await plane(at);
    expect(await bus.ask(ECHO, served, { text: 'hi' }, 5_000)).toEqual({ text: 'echo hi' });
    expect((await bus.ask(AUTHORIZATION_CHECK, served, check, 5_000))?.reason).toBe('from the check');
    expect(await bus.ask(ECHO, randomUUID(), { text: 'hi' }, 300)).toBeUndefined();
  });

  it('does not send a reply larger than its operation allows, nor one its schema refuses', async () => {
    const at = `${prefix}-bounds`;
    const errors: unknown[] = [];
    const node = new InstanceRequestBus(redis, at);
    closers.push(
      await node.answer(
        [answering(ECHO, async (_instanceId, request) => (request.text === 'big' ? { text: 'x'.repeat(2_000) } : ({ text: 1 } as unknown as { text: string })))],
        (error) => errors.push(error),
      ),
    );
    const bus = await plane(at);
    expect(await bus.ask(ECHO, randomUUID(), { text: 'big' }, 500)).toBeUndefined();
    expect(String(errors[0])).toContain('larger than 1024 bytes');
    expect(await bus.ask(ECHO, randomUUID(), { text: 'malformed' }, 500)).toBeUndefined();
  });
});
