import * as argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { effectiveParams, hashPassword, needsRehash, verifyPassword } from './password-hash';
import type { PasswordHashParams, StoredPassword } from './password-hash-params';
import {
  PBKDF2_HEX_VECTORS,
  RFC9106_ARGON2ID,
  SELF_DESCRIBING_VECTORS,
  SIMPLE_HASH_VECTORS,
} from './password-vectors.fixture';

const selfDescribing = SELF_DESCRIBING_VECTORS.map((v) => ({
  source: v.source,
  password: v.password,
  stored: { hash: v.hash, salt: '', params: v.params } satisfies StoredPassword,
}));
const ALL_VECTORS = [...SIMPLE_HASH_VECTORS, ...PBKDF2_HEX_VECTORS, ...selfDescribing];

describe('verifyPassword against known vectors made by other tools', () => {
  it.each(ALL_VECTORS)('accepts the right password: $source', async ({ password, stored }) => {
    expect(await verifyPassword(password, stored)).toBe(true);
    expect(await verifyPassword(Buffer.from(password, 'utf8'), stored)).toBe(true);
  });

  it.each(ALL_VECTORS)('refuses a wrong password: $source', async ({ password, stored }) => {
    expect(await verifyPassword(`${password}x`, stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('uses the salt as the row says: a prefix hash does not verify as suffix', async () => {
    const prefixed = SIMPLE_HASH_VECTORS.find((v) => v.stored.params.name === 'sha256' && v.stored.salt !== '')!;
    const asSuffix: StoredPassword = { ...prefixed.stored, params: { name: 'sha256', saltPosition: 'suffix' } };
    expect(await verifyPassword(prefixed.password, asSuffix)).toBe(false);
  });

  it('reads a self-describing hash even when the row records no parameters beyond the name', async () => {
    const v = SELF_DESCRIBING_VECTORS.find((x) => x.hash.startsWith('$2y$10$'))!;
    expect(await verifyPassword(v.password, { hash: v.hash, salt: '', params: { name: 'bcrypt' } })).toBe(true);
  });

  it('the argon2 binding reproduces the RFC 9106 section 5.3 argon2id tag', async () => {
    const { password, tag, ...options } = RFC9106_ARGON2ID;
    const raw = await argon2.hash(password, { ...options, type: argon2.argon2id, raw: true });
    expect(raw.toString('hex')).toBe(tag);
  });
});

const ROUND_TRIP_PARAMS: PasswordHashParams[] = [
  ...(['plain', 'md5', 'sha1', 'sha256', 'sha512'] as const).flatMap((name) =>
    (['prefix', 'suffix', 'none'] as const).map((saltPosition) => ({ name, saltPosition })),
  ),
  { name: 'bcrypt', rounds: 4 },
  { name: 'bcrypt' },
  { name: 'pbkdf2', macFun: 'sha1', iterations: 10 },
  { name: 'pbkdf2', macFun: 'sha256', iterations: 1000, keyLength: 48 },
  { name: 'pbkdf2', macFun: 'sha512', iterations: 10 },
  { name: 'argon2id', memoryCost: 1024, timeCost: 1, parallelism: 1 },
  { name: 'argon2id' },
];

describe('hashPassword and verifyPassword round-trip', () => {
  it.each(ROUND_TRIP_PARAMS)('$name $saltPosition$macFun', async (params) => {
    const stored = await hashPassword('correct horse ✓', params);
    expect(await verifyPassword('correct horse ✓', stored)).toBe(true);
    expect(await verifyPassword(Buffer.from('correct horse ✓'), stored)).toBe(true);
    expect(await verifyPassword('correct horse', stored)).toBe(false);
  });

  it('salts simple hashes with 32 random hex characters, and not at all for saltPosition none', async () => {
    const a = await hashPassword('pw', { name: 'sha256', saltPosition: 'prefix' });
    const b = await hashPassword('pw', { name: 'sha256', saltPosition: 'prefix' });
    expect(a.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).not.toBe(b.hash);
    const unsalted = await hashPassword('pw', { name: 'sha256', saltPosition: 'none' });
    expect(unsalted.salt).toBe('');
  });

  it('records resolved parameters and the formats of each algorithm', async () => {
    const bcrypt = await hashPassword('pw', { name: 'bcrypt', rounds: 4 });
    expect(bcrypt).toMatchObject({ salt: '', params: { name: 'bcrypt', rounds: 4 } });
    expect(bcrypt.hash).toMatch(/^\$2b\$04\$[./A-Za-z0-9]{53}$/);

    const pbkdf2 = await hashPassword('pw', { name: 'pbkdf2', macFun: 'sha512', iterations: 10 });
    expect(pbkdf2.hash).toMatch(/^[0-9a-f]{128}$/); // key length defaults to the digest length
    expect(pbkdf2.salt).toMatch(/^[0-9a-f]{32}$/);

    const argon = await hashPassword('pw', { name: 'argon2id', memoryCost: 1024, timeCost: 1 });
    expect(argon.params).toEqual({ name: 'argon2id', memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect(argon.hash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/) // node-argon2's parameter order;
  });

  it('refuses invalid parameters with the schema message', async () => {
    await expect(hashPassword('pw', { name: 'bcrypt', rounds: 40 })).rejects.toThrow('bcrypt rounds must be an integer from 4 to 15');
  });
});

const validBcrypt = SELF_DESCRIBING_VECTORS[0]!.hash;
const MALFORMED: Array<[string, StoredPassword]> = [
  ['md5 hash that is not hex', { hash: 'zz'.repeat(16), salt: '', params: { name: 'md5', saltPosition: 'none' } }],
  ['md5 hash of odd length', { hash: '741406c6940752b8ccf183469633837', salt: '', params: { name: 'md5', saltPosition: 'none' } }],
  ['sha256 hash that is empty', { hash: '', salt: '', params: { name: 'sha256', saltPosition: 'none' } }],
  ['sha256 hash that is truncated', { hash: '630b556a1af07a46', salt: '', params: { name: 'sha256', saltPosition: 'none' } }],
  ['a salt that is not a string', { hash: '9b9b4c26024a3ae541f8c9516b6743cf', salt: null as unknown as string, params: { name: 'md5', saltPosition: 'prefix' } }],
  ['a hash that is not a string', { hash: 42 as unknown as string, salt: '', params: { name: 'md5', saltPosition: 'none' } }],
  ['an unknown algorithm', { hash: 'p4ssw0rd!', salt: '', params: { name: 'scrypt' } as unknown as PasswordHashParams }],
  ['parameters missing', { hash: 'p4ssw0rd!', salt: '', params: undefined as unknown as PasswordHashParams }],
  ['bcrypt garbage', { hash: 'not a bcrypt hash', salt: '', params: { name: 'bcrypt' } }],
  ['bcrypt truncated', { hash: validBcrypt.slice(0, 40), salt: '', params: { name: 'bcrypt' } }],
  ['bcrypt with an unknown minor version', { hash: `$2x$${validBcrypt.slice(4)}`, salt: '', params: { name: 'bcrypt' } }],
  ['bcrypt with a cost beyond the limit', { hash: `$2b$31$${validBcrypt.slice(7)}`, salt: '', params: { name: 'bcrypt' } }],
  ['argon2i under argon2id', { hash: '$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88', salt: '', params: { name: 'argon2id' } }],
  ['argon2id truncated', { hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA', salt: '', params: { name: 'argon2id' } }],
  ['argon2id asking for 4 GiB', { hash: '$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Aq36VfhoRwWO7691PmkWPz6pWflZ4JkuG63x05QpA88', salt: '', params: { name: 'argon2id' } }],
  ['argon2id with a broken hash part', { hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$A', salt: '', params: { name: 'argon2id' } }],
  ['pbkdf2 hex of the wrong length', { hash: '0dc0b62a0bf242860ddd', salt: '9a1f3c0e2b4d6f80', params: { name: 'pbkdf2', macFun: 'sha1', iterations: 4096 } }],
  ['pbkdf2 hash that is not hex', { hash: 'g'.repeat(40), salt: '9a1f3c0e2b4d6f80', params: { name: 'pbkdf2', macFun: 'sha1', iterations: 4096 } }],
  ['pbkdf2 string with rounds that are not a number', { hash: '$pbkdf2-sha256$many$iwH.EAB/gMPpqlUAESIzRA$N2myIefPzyNXMlJx9cqklHqKwy7QqSdpIfh8zshnePk', salt: '', params: { name: 'pbkdf2', macFun: 'sha256', iterations: 1 } }],
  ['pbkdf2 string asking for 10^9 rounds', { hash: '$pbkdf2-sha256$1000000000$iwH.EAB/gMPpqlUAESIzRA$N2myIefPzyNXMlJx9cqklHqKwy7QqSdpIfh8zshnePk', salt: '', params: { name: 'pbkdf2', macFun: 'sha256', iterations: 1 } }],
  ['pbkdf2 row with zero iterations', { hash: '0dc0b62a0bf242860ddd156d1cc3ad8f2fac9376', salt: '9a1f3c0e2b4d6f80', params: { name: 'pbkdf2', macFun: 'sha1', iterations: 0 } }],
];

describe('verifyPassword with a malformed stored password', () => {
  it.each(MALFORMED)('%s → false, no exception', async (_label, stored) => {
    await expect(verifyPassword('p4ssw0rd!', stored)).resolves.toBe(false);
  });

  it('a stored password that is not an object → false', async () => {
    await expect(verifyPassword('p4ssw0rd!', undefined as unknown as StoredPassword)).resolves.toBe(false);
  });
});

describe('needsRehash', () => {
  const sha256prefix: PasswordHashParams = { name: 'sha256', saltPosition: 'prefix' };
  it.each<[string, PasswordHashParams, PasswordHashParams, boolean]>([
    ['same simple hash', sha256prefix, { name: 'sha256', saltPosition: 'prefix' }, false],
    ['other salt position', { name: 'sha256', saltPosition: 'none' }, sha256prefix, true],
    ['other simple algorithm', { name: 'md5', saltPosition: 'prefix' }, sha256prefix, true],
    ['simple to bcrypt', sha256prefix, { name: 'bcrypt' }, true],
    ['bcrypt default rounds equal explicit 10', { name: 'bcrypt' }, { name: 'bcrypt', rounds: 10 }, false],
    ['bcrypt other rounds', { name: 'bcrypt', rounds: 10 }, { name: 'bcrypt', rounds: 12 }, true],
    ['pbkdf2 same, key length defaulted on one side', { name: 'pbkdf2', macFun: 'sha256', iterations: 4096, keyLength: 32 }, { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 }, false],
    ['pbkdf2 other iterations', { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 }, { name: 'pbkdf2', macFun: 'sha256', iterations: 100_000 }, true],
    ['pbkdf2 other mac', { name: 'pbkdf2', macFun: 'sha1', iterations: 4096 }, { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 }, true],
    ['pbkdf2 other key length', { name: 'pbkdf2', macFun: 'sha256', iterations: 4096, keyLength: 64 }, { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 }, true],
    ['argon2id defaults on both sides', { name: 'argon2id' }, { name: 'argon2id', memoryCost: 19456, timeCost: 2, parallelism: 1 }, false],
    ['argon2id other memory', { name: 'argon2id', memoryCost: 4096 }, { name: 'argon2id' }, true],
    ['argon2id to bcrypt', { name: 'argon2id' }, { name: 'bcrypt' }, true],
    ['invalid stored parameters', { name: 'bcrypt', rounds: 99 }, { name: 'bcrypt' }, true],
    ['invalid preferred parameters never trigger a re-hash', { name: 'md5', saltPosition: 'none' }, { name: 'bcrypt', rounds: 99 }, false],
  ])('%s → %s', (_label, stored, preferred, expected) => {
    expect(needsRehash(stored, preferred)).toBe(expected);
  });

  it('judges a self-describing hash by the parameters in its string (effectiveParams)', () => {
    const v = SELF_DESCRIBING_VECTORS.find((x) => x.hash.startsWith('$2y$05$'))!;
    const stored: StoredPassword = { hash: v.hash, salt: '', params: { name: 'bcrypt', rounds: 10 } };
    expect(effectiveParams(stored)).toEqual({ name: 'bcrypt', rounds: 5 });
    expect(needsRehash(effectiveParams(stored), { name: 'bcrypt', rounds: 10 })).toBe(true);
    expect(needsRehash(effectiveParams(stored), { name: 'bcrypt', rounds: 5 })).toBe(false);
  });

  it('does not read a plain password that looks like a bcrypt string as bcrypt', () => {
    const stored: StoredPassword = { hash: SELF_DESCRIBING_VECTORS[0]!.hash, salt: '', params: { name: 'plain', saltPosition: 'none' } };
    expect(effectiveParams(stored)).toEqual({ name: 'plain', saltPosition: 'none' });
  });
});
