import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectCredentials, mongodbConfigSchema } from '@mqc/auth';
import { eventually, startMongoWireServer, type MongoWireServer } from '@mqc/testing';
import { casesBySetting, HASH_CASES, INJECTIONS } from '../external/hash-cases.spec-helper';
import { bindFilter, MongodbAuthenticator, type MongodbOptions } from './mongodb.authenticator';

function client(username: string | undefined, password?: string, extra: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return {
    instanceId: '00000000-0000-4000-8000-000000000004',
    clientId: 'device-1',
    username,
    password: password === undefined ? undefined : Buffer.from(password, 'utf8'),
    peerHost: '203.0.113.9',
    protocolVersion: 5,
    ...extra,
  };
}

const failure = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('MongodbAuthenticator against a real MongoDB wire server (CongoDB)', () => {
  const database = `mqc_test_${randomBytes(4).toString('hex')}`;
  let server: MongoWireServer;
  let admin: MongoClient;
  const opened: MongodbAuthenticator[] = [];

  function authenticator(config: Record<string, unknown> = {}, options: MongodbOptions = { outboundAllowList: ['127.0.0.1'] }): MongodbAuthenticator {
    const parsed = mongodbConfigSchema.parse({ url: server.url, database, collection: 'mqtt_user', filter: { username: '${username}' }, ...config });
    const created = new MongodbAuthenticator(`mongodb-${opened.length}`, parsed, options);
    opened.push(created);
    return created;
  }

  beforeAll(async () => {
    server = await startMongoWireServer();
    admin = new MongoClient(server.url, { directConnection: true });
    const users = admin.db(database).collection('mqtt_user');
    await users.insertMany(HASH_CASES.map((c) => ({ username: c.username, password_hash: c.hash, salt: c.salt })));
    await users.insertMany([
      { username: 'root', password_hash: 'plain-pass', is_superuser: true, tenant: 'a' },
      { username: 'other', password_hash: 'plain-pass', is_superuser: 'true', tenant: 'b' },
      { username: 'nested', credentials: { hash: 'nested-pass', admin: 1 }, tenant: 'a' },
      { username: '{"$ne": null}', password_hash: 'literal-pass', tenant: 'a' },
    ]);
    await admin.db(database).collection('devices').insertOne({ client: 'device-7', owner: 'root', secret: 'device-pass' });
  });

  afterAll(async () => {
    await Promise.all(opened.map((a) => a.close()));
    await admin.close();
    await server.close();
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

  it('reads is_superuser and the configured fields, nested ones too', async () => {
    const plain = { name: 'plain', saltPosition: 'none' };
    const auth = authenticator({ passwordHash: plain });
    expect(await auth.authenticate(client('root', 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    expect(await auth.authenticate(client('other', 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    const nested = authenticator({ passwordHash: plain, passwordHashField: 'credentials.hash', isSuperuserField: 'credentials.admin' });
    expect(await nested.authenticate(client('nested', 'nested-pass'))).toEqual({ kind: 'allow', superuser: true });
    const devices = authenticator({ passwordHash: plain, collection: 'devices', filter: { client: '${clientid}', owner: '${username}' }, passwordHashField: 'secret' });
    expect(await devices.authenticate(client('root', 'device-pass', { clientId: 'device-7' }))).toEqual({ kind: 'allow', superuser: false });
    expect(await devices.authenticate(client('other', 'device-pass', { clientId: 'device-7' }))).toEqual({ kind: 'ignore' });
  });

  it('keeps the operators the tenant wrote and binds the values inside them', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, filter: { username: { $in: ['${username}'] }, tenant: { $ne: 'b' } } });
    expect(await auth.authenticate(client('root', 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    expect(await auth.authenticate(client('other', 'plain-pass'))).toEqual({ kind: 'ignore' });
  });

  it('ignores a client without a document, and one without the value the filter needs', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } });
    expect(await auth.authenticate(client('nobody', 'x'))).toEqual({ kind: 'ignore' });
    expect(await auth.authenticate(client(undefined, 'x'))).toEqual({ kind: 'ignore' });
  });

  it('binds client data as string values: operators, $where and JSON in a user name match nothing but that name', async () => {
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' } });
    const attempts = [...INJECTIONS, '{"$gt": ""}', '{"$where": "return true"}', '"; return true; var x="', "', $where: '1 == 1", '.*', 'root\u0000'];
    for (const attempt of attempts) {
      expect(await auth.authenticate(client(attempt, 'plain-pass')), JSON.stringify(attempt)).toEqual({ kind: 'ignore' });
    }
    // A user really named `{"$ne": null}` is found by exactly that name, and only with its own password.
    expect(await auth.authenticate(client('{"$ne": null}', 'literal-pass'))).toEqual({ kind: 'allow', superuser: false });
    expect(await auth.authenticate(client('{"$ne": null}', 'plain-pass'))).toMatchObject({ kind: 'deny' });
    expect(bindFilter({ username: '${username}', label: 'u-${username}' }, { ...blank, username: '{"$ne": null}' })).toEqual({ username: '{"$ne": null}', label: 'u-{"$ne": null}' });
    expect(await admin.db(database).collection('mqtt_user').countDocuments()).toBe(HASH_CASES.length + 4);
  });

  it('refuses at configuration time URL options the driver would obey (files, cloud credentials, proxies)', () => {
    const message = (url: string) => mongodbConfigSchema.safeParse({ url, database, collection: 'c', filter: { u: '${username}' } }).error?.issues[0]?.message;
    expect(message(`${server.url}/?tlsCAFile=/etc/passwd`)).toMatch(/parameter tlsCAFile is not supported; supported: tls, authMechanism/);
    expect(message(`${server.url}/?proxyHost=10.0.0.1`)).toMatch(/parameter proxyHost is not supported/);
    expect(message(`${server.url}/?authMechanism=MONGODB-AWS`)).toMatch(/authMechanism must be one of SCRAM-SHA-1, SCRAM-SHA-256/);
    expect(message(`${server.url}/admin?tls=false&authMechanism=SCRAM-SHA-256`)).toBeUndefined();
  });

  it('gives up after timeoutMs on a server that never answers: a backend failure, without the password', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const auth = authenticator({ url: `mongodb://mqc:secret-pw@127.0.0.1:${port}/admin`, timeoutMs: 300 });
      const error = await failure(auth.authenticate(client('root', 'plain-pass')));
      expect(error?.message).toMatch(/^MongoDB mongodb:\/\/127\.0\.0\.1:\d+\/admin: /);
      expect(error?.message).not.toContain('secret-pw');
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('passes every host through the guard: literal addresses, names (connecting to the address checked) and SRV targets', async () => {
    const plain = { passwordHash: { name: 'plain', saltPosition: 'none' } };
    const literal = await failure(authenticator(plain, { outboundAllowList: [] }).authenticate(client('root', 'plain-pass')));
    expect(literal?.message).toMatch(/127\.0\.0\.1 is a loopback address/);
    // A name that exists nowhere but in the guard's resolver: reaching the server proves the socket used the checked address.
    const resolve = async (host: string) => (host === 'mongo.tenant.example' ? ['127.0.0.1'] : ['203.0.113.1']);
    const named = authenticator({ ...plain, url: `mongodb://mongo.tenant.example:${server.port}` }, { outboundAllowList: ['127.0.0.1'], resolve });
    expect(await named.authenticate(client('root', 'plain-pass'))).toEqual({ kind: 'allow', superuser: true });
    const refusedName = authenticator({ ...plain, url: `mongodb://mongo.tenant.example:${server.port}`, timeoutMs: 500 }, { outboundAllowList: [], resolve });
    expect((await failure(refusedName.authenticate(client('root', 'plain-pass'))))?.message).toMatch(/loopback/);
    const srv = authenticator({ ...plain, url: 'mongodb+srv://cluster.tenant.example' }, { outboundAllowList: [], resolve: async () => ['10.1.2.3'], resolveSrv: async () => ['shard-0.cluster.tenant.example'] });
    expect((await failure(srv.authenticate(client('root', 'plain-pass'))))?.message).toMatch(/shard-0\.cluster\.tenant\.example resolves to an address that is not public/);
  });

  it('refuses to go on once the servers announce a member at a private address', async () => {
    const hostile = await startMongoWireServer({ replicaSet: { setName: 'rs0', otherMembers: ['10.9.9.9:27017'] } });
    try {
      const seeds = `mongodb://127.0.0.1:${hostile.port},localhost:${hostile.port}`;
      const auth = authenticator({ url: seeds, timeoutMs: 1000 }, { outboundAllowList: ['127.0.0.1'], resolve: async () => ['127.0.0.1'] });
      await eventually(async () => expect((await failure(auth.authenticate(client('root', 'plain-pass'))))?.message).toMatch(/10\.9\.9\.9 is a private address/));
    } finally {
      await hostile.close();
    }
  });

  it('keeps one pool per authenticator of at most poolSize connections, closed with the chain', async () => {
    const before = server.connectionCount();
    const auth = authenticator({ passwordHash: { name: 'plain', saltPosition: 'none' }, poolSize: 2 });
    const results = await Promise.all(Array.from({ length: 40 }, () => auth.authenticate(client('root', 'plain-pass'))));
    expect(results.every((r) => r.kind === 'allow')).toBe(true);
    // The pool's connections and the driver's one monitoring connection.
    expect(server.connectionCount() - before).toBeLessThanOrEqual(2 + 1);
    await auth.close();
    await eventually(() => expect(server.connectionCount()).toBe(before));
  });
});

const blank = { clientid: undefined, username: undefined, password: undefined, peerhost: undefined, cert_common_name: undefined, cert_subject: undefined, instance_id: undefined };
