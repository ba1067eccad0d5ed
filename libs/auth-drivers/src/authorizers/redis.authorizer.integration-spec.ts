import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldChainAsync, redisAuthorizerConfigSchema } from '@mqc/auth';
import { INJECTIONS } from '../external/hash-cases.spec-helper';
import type { DatabaseAuthorizerOptions } from './cached-rows-source';
import { RedisAuthorizer } from './redis.authorizer';
import { aclClient, publish, subscribe } from './sql-acl-cases.spec-helper';

const REDIS = new URL(process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');

describe('RedisAuthorizer against a real Redis', () => {
  const prefix = `mqc-test-acl-${randomBytes(4).toString('hex')}`;
  const url = `redis://${REDIS.hostname}:${REDIS.port || 6379}/0`;
  const command = `HGETALL ${prefix}:\${username}`;
  let admin: Redis;
  const opened: RedisAuthorizer[] = [];

  function authorizer(config: Record<string, unknown> = {}, allow: readonly string[] = ['127.0.0.1'], options: DatabaseAuthorizerOptions = {}): RedisAuthorizer {
    const created = new RedisAuthorizer(`redis-acl-${opened.length}`, redisAuthorizerConfigSchema.parse({ url, command, ...config }), { outboundAllowList: allow, ...options });
    opened.push(created);
    return created;
  }

  beforeAll(async () => {
    admin = new Redis({ host: REDIS.hostname, port: Number(REDIS.port || 6379) });
    await admin.hset(`${prefix}:alice`, { 'devices/${clientid}/#': 'publish', 'eq broadcast/#': 'subscribe', 'chat/+': 'all' });
    await admin.hset(`${prefix}:broken`, { fine: 'all', bad: 'deny' });
    await admin.hset(`${prefix}:cached`, { before: 'publish' });
    await admin.set(`${prefix}:sentinel`, 'still here');
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('allows each topic of the hash for its action; the rest, and a client without a hash, fall through', async () => {
    const alice = authorizer().sourceFor(aclClient('alice'));
    expect(await alice.check(publish('devices/dev-1/telemetry'))).toMatchObject({ kind: 'allow', ruleId: 'devices/${clientid}/#' });
    expect(await alice.check(subscribe('devices/dev-1/telemetry'))).toEqual({ kind: 'no-match' });
    expect(await alice.check(subscribe('chat/room'))).toMatchObject({ kind: 'allow', ruleId: 'chat/+' });
    expect(await alice.check(publish('chat/room'))).toMatchObject({ kind: 'allow', ruleId: 'chat/+' });
    expect(await alice.check(publish('elsewhere'))).toEqual({ kind: 'no-match' });
    expect(await authorizer().sourceFor(aclClient('nobody')).check(publish('devices/dev-1/t'))).toEqual({ kind: 'no-match' });
    expect(await authorizer().sourceFor(aclClient(undefined)).check(publish('devices/dev-1/t'))).toEqual({ kind: 'no-match' });
  });

  it('fills topic placeholders a whole level at a time and reads eq literally', async () => {
    const source = authorizer();
    expect(await source.sourceFor(aclClient('alice', 'dev-2')).check(publish('devices/dev-1/t'))).toEqual({ kind: 'no-match' });
    expect(await source.sourceFor(aclClient('alice', '+')).check(publish('devices/dev-1/t'))).toEqual({ kind: 'no-match' });
    const alice = source.sourceFor(aclClient('alice'));
    expect(await alice.check(subscribe('broadcast/#'))).toMatchObject({ kind: 'allow', ruleId: 'eq broadcast/#' });
    expect(await alice.check(subscribe('broadcast/news'))).toEqual({ kind: 'no-match' });
  });

  it('sends the rendered key as one argument: spaces, CRLF and glob characters in the username change nothing', async () => {
    const source = authorizer();
    for (const attempt of [...INJECTIONS, '*', 'alice extra', `alice\r\nFLUSHDB\r\n`, `x\r\nHSET ${prefix}:alice # all`]) {
      expect(await source.sourceFor(aclClient(attempt)).check(publish('devices/dev-1/t')), JSON.stringify(attempt)).toEqual({ kind: 'no-match' });
    }
    expect(await admin.get(`${prefix}:sentinel`)).toBe('still here');
    expect(await admin.hgetall(`${prefix}:alice`)).toEqual({ 'devices/${clientid}/#': 'publish', 'eq broadcast/#': 'subscribe', 'chat/+': 'all' });
  });

  it('answers error, naming the field, for an action it cannot read; the chain then denies whatever noMatch says', async () => {
    const broken = authorizer().sourceFor(aclClient('broken'));
    expect(await broken.check(publish('fine'))).toEqual({ kind: 'error', message: 'unreadable rule: field "bad": action must be publish, subscribe or all, not "deny"' });
    expect(await foldChainAsync([broken], publish('fine'), { noMatch: 'allow', superuser: false })).toMatchObject({ decision: 'deny' });
  });

  it('answers error when Redis does not answer in time or cannot be reached, without the password', async () => {
    const silent = createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const result = await authorizer({ url: `redis://:secret-pw@127.0.0.1:${port}`, timeoutMs: 300 }).sourceFor(aclClient('alice')).check(publish('devices/dev-1/t'));
      expect(result).toEqual({ kind: 'error', message: expect.stringMatching(/^Redis redis:\/\/127\.0\.0\.1:\d+: .*(timed out|timeout|no answer)/i) });
      expect(result.kind === 'error' && result.message).not.toContain('secret-pw');
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('connects only through the private-address guard: loopback is refused without the operator allow-list', async () => {
    expect(await authorizer({}, []).sourceFor(aclClient('alice')).check(publish('devices/dev-1/t'))).toEqual({ kind: 'error', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) });
  });

  it('reads a client\'s hash once per cacheTtlSeconds: a change is seen only after the TTL', async () => {
    let now = 5_000_000;
    const source = authorizer({ cacheTtlSeconds: 10 }, undefined, { now: () => now }).sourceFor(aclClient('cached'));
    expect(await source.check(publish('before'))).toMatchObject({ kind: 'allow' });
    await admin.hset(`${prefix}:cached`, { after: 'publish' });
    now += 9_999;
    expect(await source.check(publish('after'))).toEqual({ kind: 'no-match' });
    now += 1;
    expect(await source.check(publish('after'))).toMatchObject({ kind: 'allow' });
  });
});
