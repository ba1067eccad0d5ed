import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectCredentials, redisConfigSchema } from '@mqc/auth';
import { casesBySetting, HASH_CASES, INJECTIONS } from '../external/hash-cases.spec-helper';
import { RedisAuthenticator } from './redis.authenticator';

const REDIS = new URL(process.env['MQC_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379');

function client(username: string | undefined, password?: string, extra: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: '00000000-0000-4000-8000-000000000003',
    clientId: 'device-1',
    username,
    password: password === undefined ? undefined : Buffer.from(password, 'utf8'),
    peerHost: '203.0.113.9',
    protocolVersion: 5,
    ...extra,
  };
}

describe('RedisAuthenticator against a real Redis', () => {
  const prefix = `mqc-test-auth-${randomBytes(4).toString('hex')}`;
  const url = `redis://${REDIS.hostname}:${REDIS.port || 6379}/0`;
  const command = `HMGET ${prefix}:\${username} password_hash salt is_superuser`;
  let admin: Redis;
  const opened: RedisAuthenticator[] = [];

  function authenticator(config: Record<string, unknown> = {}, allow: readonly string[] = ['127.0.0.1']): RedisAuthenticator {
    const created = new RedisAuthenticator(`redis-${opened.length}`, redisConfigSchema.parse({ url, command, ...config }), { outboundAllowList: allow });
    opened.push(created);
    return created;
  }

  beforeAll(async () => {
    admin = new Redis({ host: REDIS.hostname, port: Number(REDIS.port || 6379) });
    for (const c of HASH_CASES) await admin.hset(`${prefix}:${c.username}`, { password_hash: c.hash, salt: c.salt });
    await admin.hset(`${prefix}:' OR 1=1 --`, { password_hash: 'plain-pass', is_superuser: 'true' });
    await admin.hset(`${prefix}:legacy`, { password: 'old-style', is_superuser: '0' });
    await admin.set(`${prefix}:sentinel`, 'still here');
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  describe.each(casesBySetting().map((g) => [JSON.stringify(g.params), g] as const))('hashes made with %s', (_, group) => {
    it('allows each user with its password and refuses a wrong one', async () => {
      const auth = authenticator({ passwordHash: group.params });
      for (const c of group.cases) {
        expect(await auth.authenticate(client(c.username, c.password)), c.source).toEqual({ kind: 'allow', superuser: false });
        expect(await auth.authenticate(client(c.username, `${c.password}x`)), c.source).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
      }
    });
  });

  it('reads is_superuser, `password` instead of password_hash, and one field with HGET', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, command: `HMGET ${prefix}:\${username} password is_superuser password_hash` });
    expect(await auth.authenticate(client('legacy', 'old-style'))).toEqual({ kind: 'allow', superuser: false });
    expect(await auth.authenticate(client("' OR 1=1 --", 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    const hget = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, command: `HGET ${prefix}:\${clientid} password` });
    expect(await hget.authenticate(client(undefined, 'old-style', { clientId: 'legacy' }))).toEqual({ kind: 'allow', superuser: false });
  });

  it('ignores a client whose hash does not exist, and one without the value the key needs', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } });
    expect(await auth.authenticate(client('nobody', 'x'))).toEqual({ kind: 'ignore' });
    expect(await auth.authenticate(client(undefined, 'x'))).toEqual({ kind: 'ignore' });
  });

  it('sends the rendered key as one argument: spaces, CRLF and glob characters in client data change nothing', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } });
    const attempts = [...INJECTIONS, 'x password_hash', 'x\r\nFLUSHDB\r\n', '*', 'legacy password', `legacy\r\nHSET ${prefix}:legacy password pwned`];
    for (const attempt of attempts) {
      if (attempt === "' OR 1=1 --") continue; // a real user of that name, above
      expect(await auth.authenticate(client(attempt, 'plain-pass')), JSON.stringify(attempt)).toEqual({ kind: 'ignore' });
    }
    expect(await admin.get(`${prefix}:sentinel`)).toBe('still here');
    expect(await admin.hget(`${prefix}:legacy`, 'password')).toBe('old-style');
  });

  it('refuses at configuration time every command but HGET/HMGET, and options in the URL', () => {
    const message = (config: Record<string, unknown>) => redisConfigSchema.safeParse({ url, command, ...config }).error?.issues[0]?.message;
    for (const refused of ['SET k v', 'EVAL "return 1" 0', 'DEL mqtt_user:${username}', 'HGETALL mqtt_user:${username}', 'CONFIG SET dir /tmp', 'FLUSHALL', 'KEYS *']) {
      expect(message({ command: refused }), refused).toMatch(/command must be HGET or HMGET/);
    }
    expect(message({ command: 'HMGET k:${username} password_hash ${password}' })).toMatch(/unknown field/);
    expect(message({ command: 'HGET k:${username} password_hash salt' })).toMatch(/HGET reads one field/);
    expect(message({ url: `${url}?path=/var/run/redis.sock` })).toMatch(/parameter path is not supported/);
  });

  it('spreads clients over poolSize connections', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, poolSize: 3 });
    const results = await Promise.all(Array.from({ length: 30 }, () => auth.authenticate(client("' OR 1=1 --", 'plain-pass'))));
    expect(results.every((r) => r.kind === 'allow')).toBe(true);
    const list = await admin.client('LIST');
    expect(String(list).split('\n').filter((line) => line.includes(`name=mqc-authenticator-${auth.id} `))).toHaveLength(3);
  });

  it('fails (never ignores) when Redis cannot be reached, and through the guard without the allow-list', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = authenticator({ url: `redis://:secret-pw@127.0.0.1:${port}`, timeoutMs: 500 });
    const error = await down.authenticate(client('legacy', 'x')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^Redis redis:\/\/127\.0\.0\.1:\d+: /);
    expect(error?.message).not.toContain('secret-pw');
    await expect(authenticator({}, []).authenticate(client('legacy', 'x'))).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
  });
});
