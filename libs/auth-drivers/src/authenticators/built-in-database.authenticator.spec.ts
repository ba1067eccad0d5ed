import { describe, expect, it } from 'vitest';
import { builtInDatabaseConfigSchema, type ConnectCredentials, hashPassword, type PasswordHashParams, slowHashGate, type StoredPassword, VerifiedPasswordCache, verifyPassword } from '@mqc/auth';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the core's known-answer vectors (test data, never shipped)
import { SELF_DESCRIBING_VECTORS, SIMPLE_HASH_VECTORS } from '../../../auth/src/password/password-vectors.fixture';
import {
  BuiltInDatabaseAuthenticator,
  type BuiltInDatabaseConfig,
  type BuiltInUserRecord,
  type BuiltInUserStore,
} from './built-in-database.authenticator';

const INSTANCE = 'inst-1';
const SHA256_PREFIX: PasswordHashParams = { name: 'sha256', saltPosition: 'prefix' };

/** Known hashes made by other tools (see the fixture), keyed by a readable name. */
const md5Prefix = SIMPLE_HASH_VECTORS.find((v) => v.stored.params.name === 'md5' && v.stored.params.saltPosition === 'prefix')!;
const sha256Prefix = SIMPLE_HASH_VECTORS.find((v) => v.stored.params.name === 'sha256' && v.stored.params.saltPosition === 'prefix' && v.stored.salt === 'f3c5e6a0b1d2')!;
const bcrypt10 = SELF_DESCRIBING_VECTORS.find((v) => v.hash.startsWith('$2y$10$'))!;
const bcrypt10b = SELF_DESCRIBING_VECTORS.find((v) => v.hash.startsWith('$2b$10$'))!;
const argon2idVector = SELF_DESCRIBING_VECTORS.find((v) => v.hash.startsWith('$argon2id$v=19$m=19456'))!;
const passlibPbkdf2 = SELF_DESCRIBING_VECTORS.find((v) => v.hash.startsWith('$pbkdf2-sha512$'))!;

function row(userId: string, stored: StoredPassword, isSuperuser = false): BuiltInUserRecord {
  return { userId, passwordHash: stored.hash, salt: stored.salt, algorithm: stored.params, isSuperuser };
}

class MapUserStore implements BuiltInUserStore {
  readonly rows = new Map<string, BuiltInUserRecord>();
  readonly finds: string[] = [];
  replaced: Array<{ userId: string; stored: StoredPassword; previousHash?: string }> = [];
  failFind?: Error;
  failReplace?: Error;
  private replacedSignal?: () => void;

  put(record: BuiltInUserRecord, instanceId = INSTANCE): this {
    this.rows.set(`${instanceId}/${record.userId}`, record);
    return this;
  }

  async find(instanceId: string, userId: string): Promise<BuiltInUserRecord | undefined> {
    this.finds.push(userId);
    if (this.failFind) throw this.failFind;
    return this.rows.get(`${instanceId}/${userId}`);
  }

  async replaceHash(instanceId: string, userId: string, stored: StoredPassword, previousHash?: string): Promise<void> {
    if (this.failReplace) {
      this.replacedSignal?.();
      throw this.failReplace;
    }
    const key = `${instanceId}/${userId}`;
    const current = this.rows.get(key);
    if (current && (previousHash === undefined || current.passwordHash === previousHash)) {
      this.rows.set(key, { ...current, passwordHash: stored.hash, salt: stored.salt, algorithm: stored.params });
    }
    this.replaced.push({ userId, stored, previousHash });
    this.replacedSignal?.();
  }

  /** Resolves at the next replaceHash call (successful or not). */
  nextReplace(): Promise<void> {
    return new Promise((resolve) => (this.replacedSignal = resolve));
  }
}

function credentials(overrides: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return { instanceId: INSTANCE, clientId: 'device-1', peerHost: '10.0.0.7', protocolVersion: 5, ...overrides };
}

function withPassword(username: string | undefined, password: string, overrides: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return credentials({ username, password: Buffer.from(password, 'utf8'), ...overrides });
}

function authenticator(store: BuiltInUserStore, config: Partial<BuiltInDatabaseConfig> = {}, onRehashError?: (e: unknown) => void) {
  const full: BuiltInDatabaseConfig = { userIdType: 'username', passwordHash: SHA256_PREFIX, ...config };
  return new BuiltInDatabaseAuthenticator('authn-1', full, store, { onRehashError });
}

/** Lets pending callbacks and promise chains run (a cheap hash resolves within one turn). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('BuiltInDatabaseAuthenticator', () => {
  it('has the type of the console API', () => {
    expect(authenticator(new MapUserStore()).type).toBe('built-in-database');
  });

  it('allows the right password, reports superuser from the row and names the user it proved', async () => {
    const store = new MapUserStore().put(row('alice', sha256Prefix.stored, true)).put(row('bob', sha256Prefix.stored, false));
    const authn = authenticator(store);
    expect(await authn.authenticate(withPassword('alice', sha256Prefix.password))).toEqual({ kind: 'allow', superuser: true, credential: { kind: 'user', userId: 'alice' } });
    expect(await authn.authenticate(withPassword('bob', sha256Prefix.password))).toEqual({ kind: 'allow', superuser: false, credential: { kind: 'user', userId: 'bob' } });
  });

  it('denies a wrong password with bad-credentials', async () => {
    const store = new MapUserStore().put(row('alice', sha256Prefix.stored));
    expect(await authenticator(store).authenticate(withPassword('alice', 'wrong'))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
  });

  it('denies a known user who gives no password with bad-credentials', async () => {
    const store = new MapUserStore().put(row('alice', sha256Prefix.stored));
    expect(await authenticator(store).authenticate(credentials({ username: 'alice' }))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
  });

  it('ignores an unknown user, so the next authenticator may judge', async () => {
    const store = new MapUserStore().put(row('alice', sha256Prefix.stored));
    expect(await authenticator(store).authenticate(withPassword('mallory', sha256Prefix.password))).toEqual({ kind: 'ignore' });
  });

  it.each([
    ['no username', undefined],
    ['an empty username', ''],
  ])('ignores a client with %s without asking the store', async (_label, username) => {
    const store = new MapUserStore().put(row('', sha256Prefix.stored));
    expect(await authenticator(store).authenticate(withPassword(username, sha256Prefix.password))).toEqual({ kind: 'ignore' });
    expect(store.finds).toEqual([]);
  });

  it('looks users up in the client instance only', async () => {
    const store = new MapUserStore().put(row('alice', sha256Prefix.stored), 'other-instance');
    expect(await authenticator(store).authenticate(withPassword('alice', sha256Prefix.password))).toEqual({ kind: 'ignore' });
  });

  describe('userIdType clientid', () => {
    it('keys the user by client id, not by username, and names that user as the one proved', async () => {
      const store = new MapUserStore().put(row('device-1', sha256Prefix.stored, true)).put(row('alice', sha256Prefix.stored));
      const authn = authenticator(store, { userIdType: 'clientid' });
      expect(await authn.authenticate(withPassword('whatever', sha256Prefix.password))).toEqual({ kind: 'allow', superuser: true, credential: { kind: 'user', userId: 'device-1' } });
      expect(await authn.authenticate(withPassword('alice', sha256Prefix.password, { clientId: 'device-2' }))).toEqual({ kind: 'ignore' });
      expect(store.finds).toEqual(['device-1', 'device-2']);
    });

    it('works without a username and ignores an empty client id', async () => {
      const store = new MapUserStore().put(row('device-1', sha256Prefix.stored));
      const authn = authenticator(store, { userIdType: 'clientid' });
      expect(await authn.authenticate(withPassword(undefined, sha256Prefix.password))).toMatchObject({ kind: 'allow' });
      expect(await authn.authenticate(withPassword(undefined, sha256Prefix.password, { clientId: '' }))).toEqual({ kind: 'ignore' });
    });
  });

  it.each([
    ['md5 + prefix salt (openssl)', md5Prefix.stored, md5Prefix.password],
    ['bcrypt $2y$ (htpasswd)', { hash: bcrypt10.hash, salt: '', params: bcrypt10.params }, bcrypt10.password],
    ['pbkdf2-sha512 (passlib)', { hash: passlibPbkdf2.hash, salt: '', params: passlibPbkdf2.params }, passlibPbkdf2.password],
    ['argon2id (reference CLI)', { hash: argon2idVector.hash, salt: '', params: argon2idVector.params }, argon2idVector.password],
  ])('verifies a %s row with its own algorithm while the instance prefers sha256', async (_label, stored, password) => {
    const store = new MapUserStore().put(row('u', stored as StoredPassword));
    const authn = new BuiltInDatabaseAuthenticator('authn-1', { userIdType: 'username', passwordHash: SHA256_PREFIX }, { find: store.find.bind(store) });
    expect(await authn.authenticate(withPassword('u', password))).toMatchObject({ kind: 'allow' });
    expect(await authn.authenticate(withPassword('u', `${password}x`))).toMatchObject({ kind: 'deny', reason: 'bad-credentials' });
  });

  it('lets a store error propagate to the chain', async () => {
    const store = new MapUserStore();
    store.failFind = new Error('connection refused');
    await expect(authenticator(store).authenticate(withPassword('alice', 'x'))).rejects.toThrow('connection refused');
  });

  describe('re-hash to the preferred algorithm after a successful login', () => {
    it('stores a hash made with the preferred algorithm, guarded by the verified hash', async () => {
      const store = new MapUserStore().put(row('alice', md5Prefix.stored, true));
      const authn = authenticator(store, { passwordHash: SHA256_PREFIX });
      const replaced = store.nextReplace();
      expect(await authn.authenticate(withPassword('alice', md5Prefix.password))).toMatchObject({ kind: 'allow', superuser: true });
      await replaced;

      expect(store.replaced).toHaveLength(1);
      const { stored, previousHash } = store.replaced[0]!;
      expect(previousHash).toBe(md5Prefix.stored.hash);
      expect(stored.params).toEqual(SHA256_PREFIX);
      expect(await verifyPassword(md5Prefix.password, stored)).toBe(true);
      expect(store.rows.get(`${INSTANCE}/alice`)).toMatchObject({ algorithm: SHA256_PREFIX, isSuperuser: true });

      // The next login verifies the new row and has nothing left to re-hash.
      expect(await authn.authenticate(withPassword('alice', md5Prefix.password))).toMatchObject({ kind: 'allow', superuser: true });
      await nextTurn();
      expect(store.replaced).toHaveLength(1);
    });

    it('re-hashes when only the parameters embedded in a self-describing hash differ', async () => {
      const store = new MapUserStore().put(row('alice', { hash: bcrypt10b.hash, salt: '', params: { name: 'bcrypt' } }));
      const replaced = store.nextReplace();
      const authn = authenticator(store, { passwordHash: { name: 'bcrypt', rounds: 4 } });
      expect(await authn.authenticate(withPassword('alice', bcrypt10b.password))).toMatchObject({ kind: 'allow' });
      await replaced;
      expect(store.replaced[0]?.stored.hash).toMatch(/^\$2b\$04\$/);
    });

    it('does not re-hash a row already made with the preferred algorithm, nor after a failed login', async () => {
      const store = new MapUserStore().put(row('alice', sha256Prefix.stored)).put(row('bob', md5Prefix.stored));
      const authn = authenticator(store, { passwordHash: SHA256_PREFIX });
      await authn.authenticate(withPassword('alice', sha256Prefix.password));
      await authn.authenticate(withPassword('bob', 'wrong'));
      await nextTurn();
      await nextTurn();
      expect(store.replaced).toEqual([]);
    });

    it('does not delay the CONNECT: the answer comes while the store write is still pending', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let writes = 0;
      const store: BuiltInUserStore = {
        find: async () => row('alice', md5Prefix.stored),
        replaceHash: async () => {
          writes++;
          await gate;
        },
      };
      const authn = authenticator(store, { passwordHash: { name: 'bcrypt', rounds: 4 } });
      expect(await authn.authenticate(withPassword('alice', md5Prefix.password))).toMatchObject({ kind: 'allow' });
      expect(writes).toBe(0); // the bcrypt re-hash is still running on the thread pool
      while (writes === 0) await nextTurn();
      release();
    });

    it('runs one re-hash at a time per user', async () => {
      const store = new MapUserStore().put(row('alice', md5Prefix.stored));
      const authn = authenticator(store, { passwordHash: SHA256_PREFIX });
      const replaced = store.nextReplace();
      await Promise.all([1, 2, 3].map(() => authn.authenticate(withPassword('alice', md5Prefix.password))));
      await replaced;
      await nextTurn();
      expect(store.replaced).toHaveLength(1);
    });

    it('reports a failed re-hash to onRehashError and still allows the client', async () => {
      const store = new MapUserStore().put(row('alice', md5Prefix.stored));
      store.failReplace = new Error('read-only replica');
      const errors: unknown[] = [];
      let reported!: () => void;
      const reportedOnce = new Promise<void>((resolve) => (reported = resolve));
      const authn = authenticator(store, { passwordHash: SHA256_PREFIX }, (error) => {
        errors.push(error);
        reported();
      });
      expect(await authn.authenticate(withPassword('alice', md5Prefix.password))).toMatchObject({ kind: 'allow' });
      await reportedOnce;
      expect(errors).toEqual([store.failReplace]);
    });

    it('emits a process warning when no error hook is given (swallowed, not silent)', async () => {
      const store = new MapUserStore().put(row('alice', md5Prefix.stored));
      store.failReplace = new Error('read-only replica');
      const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
      const authn = new BuiltInDatabaseAuthenticator('authn-1', { userIdType: 'username', passwordHash: SHA256_PREFIX }, store);
      expect(await authn.authenticate(withPassword('alice', md5Prefix.password))).toMatchObject({ kind: 'allow' });
      const warning = await warned;
      expect(warning.name).toBe('MqcRehashWarning');
      expect(warning.message).toContain('read-only replica');
      expect(warning.message).not.toContain(md5Prefix.password);
    });

    it('skips re-hashing when the store cannot replace hashes', async () => {
      const authn = authenticator({ find: async () => row('alice', md5Prefix.stored) }, { passwordHash: SHA256_PREFIX });
      expect(await authn.authenticate(withPassword('alice', md5Prefix.password))).toMatchObject({ kind: 'allow' });
    });
  });

  it('keeps the event loop turning during two concurrent bcrypt verifications', async () => {
    const store = new MapUserStore().put(row('alice', { hash: bcrypt10.hash, salt: '', params: bcrypt10.params })).put(row('bob', { hash: bcrypt10b.hash, salt: '', params: bcrypt10b.params }));
    const authn = authenticator(store, { passwordHash: { name: 'bcrypt', rounds: 10 } });

    let ticks = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const results = await Promise.all([
      authn.authenticate(withPassword('alice', bcrypt10.password)),
      authn.authenticate(withPassword('bob', bcrypt10b.password)),
    ]);
    const ticksDuring = ticks;
    running = false;

    expect(results.map((r) => r.kind)).toEqual(['allow', 'allow']);
    expect(ticksDuring).toBeGreaterThan(0);
  });
});

describe('BuiltInDatabaseAuthenticator, a thousand devices of one user connecting at once', () => {
  const bcryptRow = () => row('fleet', { hash: bcrypt10.hash, salt: '', params: bcrypt10.params });

  it('pays for one bcrypt and gives every CONNECT its answer', async () => {
    const authn = authenticator(new MapUserStore().put(bcryptRow()), { passwordHash: { name: 'bcrypt', rounds: 10 } });
    const before = slowHashGate.started;
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => authn.authenticate(withPassword('fleet', bcrypt10.password, { clientId: `device-${i}` }))));
    expect(slowHashGate.started - before).toBe(1);
    expect(results.every((r) => r.kind === 'allow')).toBe(true);
  });

  it('shares a wrong answer among identical wrong passwords, but hashes each different guess', async () => {
    const authn = authenticator(new MapUserStore().put(bcryptRow()), { passwordHash: { name: 'bcrypt', rounds: 10 } });
    const before = slowHashGate.started;
    const same = await Promise.all(Array.from({ length: 50 }, () => authn.authenticate(withPassword('fleet', 'wrong'))));
    expect(same.every((r) => r.kind === 'deny')).toBe(true);
    expect(slowHashGate.started - before).toBe(1);
    const guesses = await Promise.all(Array.from({ length: 3 }, (_, i) => authn.authenticate(withPassword('fleet', `guess-${i}`))));
    expect(guesses.every((r) => r.kind === 'deny')).toBe(true);
    expect(slowHashGate.started - before).toBe(4);
  });
});

describe('builtInDatabaseConfigSchema', () => {
  it('defaults to usernames and salted sha256', () => {
    expect(builtInDatabaseConfigSchema.parse({})).toEqual({ userIdType: 'username', passwordHash: { name: 'sha256', saltPosition: 'prefix' } });
  });

  it('fills the defaults of a given algorithm', () => {
    expect(builtInDatabaseConfigSchema.parse({ userIdType: 'clientid', passwordHash: { name: 'bcrypt' } })).toEqual({
      userIdType: 'clientid',
      passwordHash: { name: 'bcrypt', rounds: 10 },
    });
  });

  it('refuses with precise, located messages', () => {
    const result = builtInDatabaseConfigSchema.safeParse({ userIdType: 'email', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: -1 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'userIdType: userIdType must be one of username, clientid',
      'passwordHash.iterations: pbkdf2 iterations must be an integer from 1 to 2000000',
    ]);
  });
});

describe('BuiltInDatabaseAuthenticator with its verified-password cache', () => {
  const credentials = (password: string) => ({ instanceId: 'i', clientId: 'c', username: 'alice', password: Buffer.from(password), peerHost: '127.0.0.1', protocolVersion: 4 as const });

  async function storeWith(password: string) {
    const stored = await hashPassword(password, { name: 'pbkdf2', macFun: 'sha256', iterations: 1000 });
    const rows = new Map([['alice', { userId: 'alice', passwordHash: stored.hash, salt: stored.salt, algorithm: stored.params, isSuperuser: false }]]);
    return { rows, store: { find: async (_i: string, userId: string) => rows.get(userId) } };
  }

  it('lets a reconnect with the same password in without verifying the hash again', async () => {
    const { store } = await storeWith('right');
    const cache = new VerifiedPasswordCache();
    const authenticator = new BuiltInDatabaseAuthenticator('a', { userIdType: 'username', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: 1000 } }, store, { verifiedCache: cache });
    expect((await authenticator.authenticate(credentials('right'))).kind).toBe('allow');
    expect(cache.size).toBe(1);
    expect((await authenticator.authenticate(credentials('right'))).kind).toBe('allow');
    expect(cache.size).toBe(1);
  });

  it('never remembers a wrong password, and forgets a password once the stored hash changes', async () => {
    const { rows, store } = await storeWith('old');
    const cache = new VerifiedPasswordCache();
    const authenticator = new BuiltInDatabaseAuthenticator('a', { userIdType: 'username', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: 1000 } }, store, { verifiedCache: cache });
    expect((await authenticator.authenticate(credentials('wrong'))).kind).toBe('deny');
    expect(cache.size).toBe(0);
    expect((await authenticator.authenticate(credentials('old'))).kind).toBe('allow');
    const changed = await hashPassword('new', { name: 'pbkdf2', macFun: 'sha256', iterations: 1000 });
    rows.set('alice', { ...rows.get('alice')!, passwordHash: changed.hash, salt: changed.salt });
    expect((await authenticator.authenticate(credentials('old'))).kind).toBe('deny');
    expect((await authenticator.authenticate(credentials('new'))).kind).toBe('allow');
  });
});
