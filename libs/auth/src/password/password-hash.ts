import { createHash, pbkdf2 as pbkdf2Callback, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import * as argon2 from 'argon2';
import bcrypt from 'bcrypt';
import {
  DIGEST_LENGTH,
  passwordHashParamsSchema,
  type PasswordHashParams,
  type ResolvedPasswordHashParams,
  type SaltPosition,
  type StoredPassword,
} from './password-hash-params';
import { decodePbkdf2Hash, parseSelfDescribingHash } from './self-describing-hash';
import { slowHashGate } from './slow-hash-gate';

// Slow hashes run off the event loop (SPEC 4.1): bcrypt and argon2 through their async native
// bindings, pbkdf2 through the async crypto API. All three use the libuv thread pool.
const pbkdf2Async = promisify(pbkdf2Callback);

/** The slow hashes, each through the process's gate (one core stays with the event loop). */
const pbkdf2 = (password: Buffer, salt: Buffer, iterations: number, keyLength: number, digest: string, signal?: AbortSignal) =>
  slowHashGate.run(() => pbkdf2Async(password, salt, iterations, keyLength, digest), signal);
const bcryptHash = (password: Buffer, saltOrRounds: string | number, signal?: AbortSignal) => slowHashGate.run(() => bcrypt.hash(password, saltOrRounds), signal);
const argon2Verify = (hash: string, password: Buffer) => slowHashGate.run(() => argon2.verify(hash, password));

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

function toBuffer(plain: string | Buffer): Buffer {
  return typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain;
}

/** EMQX semantics: prefix hashes salt + password, suffix hashes password + salt; the salt is its utf8 text. */
function salted(password: Buffer, salt: string, position: SaltPosition): Buffer {
  if (position === 'none') return password;
  const saltBytes = Buffer.from(salt, 'utf8');
  return position === 'prefix' ? Buffer.concat([saltBytes, password]) : Buffer.concat([password, saltBytes]);
}

function equalInConstantTime(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** 16 random bytes as 32 lowercase hex characters, as EMQX generates salts. */
function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Hashes a password with the given algorithm (parameters are validated and their defaults
 * filled in; invalid parameters throw). The result records the resolved parameters. An
 * aborted `signal` (the client went away) rejects before a slow hash starts.
 */
export async function hashPassword(plain: string | Buffer, input: PasswordHashParams, options: { signal?: AbortSignal } = {}): Promise<StoredPassword> {
  const { signal } = options;
  const params = passwordHashParamsSchema.parse(input);
  const password = toBuffer(plain);
  switch (params.name) {
    case 'plain':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512': {
      const salt = params.saltPosition === 'none' ? '' : newSalt();
      const data = salted(password, salt, params.saltPosition);
      // `plain` stores the (salted) password as utf8 text.
      const hash = params.name === 'plain' ? data.toString('utf8') : createHash(params.name).update(data).digest('hex');
      return { hash, salt, params };
    }
    case 'bcrypt':
      return { hash: await bcryptHash(password, params.rounds, signal), salt: '', params };
    case 'pbkdf2': {
      const salt = newSalt();
      const keyLength = params.keyLength ?? DIGEST_LENGTH[params.macFun];
      const key = await pbkdf2(password, Buffer.from(salt, 'utf8'), params.iterations, keyLength, params.macFun, signal);
      return { hash: key.toString('hex'), salt, params };
    }
    case 'argon2id': {
      const { memoryCost, timeCost, parallelism } = params;
      const hash = await slowHashGate.run(() => argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism }), signal);
      return { hash, salt: '', params };
    }
  }
}

async function verifyBcrypt(password: Buffer, hash: string): Promise<boolean> {
  if (parseSelfDescribingHash(hash)?.params.name !== 'bcrypt') return false;
  // The native binding knows $2a$ and $2b$; $2y$ is the same algorithm as $2b$.
  const salt = hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
  const computed = await bcryptHash(password, salt);
  return equalInConstantTime(Buffer.from(computed.slice(4)), Buffer.from(hash.slice(4)));
}

async function verifyPbkdf2(
  password: Buffer,
  stored: StoredPassword,
  params: Extract<ResolvedPasswordHashParams, { name: 'pbkdf2' }>,
): Promise<boolean> {
  if (stored.hash.startsWith('$')) {
    // A passlib/PHC string: its own parameters and binary salt apply.
    const decoded = parseSelfDescribingHash(stored.hash) && decodePbkdf2Hash(stored.hash);
    if (!decoded) return false;
    const key = await pbkdf2(password, decoded.salt, decoded.iterations, decoded.derivedKey.length, decoded.macFun);
    return equalInConstantTime(key, decoded.derivedKey);
  }
  const keyLength = params.keyLength ?? DIGEST_LENGTH[params.macFun];
  if (!HEX.test(stored.hash) || stored.hash.length !== keyLength * 2) return false;
  const key = await pbkdf2(password, Buffer.from(stored.salt, 'utf8'), params.iterations, keyLength, params.macFun);
  return equalInConstantTime(key, Buffer.from(stored.hash, 'hex'));
}

async function verifyArgon2id(password: Buffer, hash: string): Promise<boolean> {
  if (parseSelfDescribingHash(hash)?.params.name !== 'argon2id') return false;
  return argon2Verify(hash, password); // compares in constant time
}

/**
 * Checks a password against a stored hash with the row's own algorithm. Comparisons are
 * constant-time; a malformed hash, salt or parameter set yields false, never an exception.
 */
export async function verifyPassword(plain: string | Buffer, stored: StoredPassword): Promise<boolean> {
  try {
    const parsed = passwordHashParamsSchema.safeParse(stored?.params);
    if (!parsed.success || typeof stored.hash !== 'string' || typeof stored.salt !== 'string') return false;
    const params = parsed.data;
    const password = toBuffer(plain);
    switch (params.name) {
      case 'plain':
        return equalInConstantTime(salted(password, stored.salt, params.saltPosition), Buffer.from(stored.hash, 'utf8'));
      case 'md5':
      case 'sha1':
      case 'sha256':
      case 'sha512': {
        if (!HEX.test(stored.hash)) return false;
        const digest = createHash(params.name).update(salted(password, stored.salt, params.saltPosition)).digest();
        return equalInConstantTime(digest, Buffer.from(stored.hash, 'hex'));
      }
      case 'bcrypt':
        return await verifyBcrypt(password, stored.hash);
      case 'pbkdf2':
        return await verifyPbkdf2(password, stored, params);
      case 'argon2id':
        return await verifyArgon2id(password, stored.hash);
    }
  } catch {
    return false;
  }
}

/**
 * The parameters a stored password was really made with: for a self-describing hash those
 * in the string (an imported `$2y$12$…` row may say bcrypt without rounds), else the row's.
 */
export function effectiveParams(stored: StoredPassword): PasswordHashParams {
  const { name } = stored.params;
  if (name === 'bcrypt' || name === 'argon2id' || (name === 'pbkdf2' && stored.hash.startsWith('$'))) {
    const described = parseSelfDescribingHash(stored.hash)?.params;
    if (described?.name === name) return described;
  }
  return stored.params;
}

/**
 * True when a password stored with `stored` parameters should be re-hashed with `preferred`:
 * another algorithm, or the same one with other parameters (defaults filled in on both
 * sides). An invalid `stored` set always needs re-hashing; an invalid `preferred` never.
 */
export function needsRehash(stored: PasswordHashParams, preferred: PasswordHashParams): boolean {
  const target = passwordHashParamsSchema.safeParse(preferred);
  if (!target.success) return false;
  const current = passwordHashParamsSchema.safeParse(stored);
  if (!current.success) return true;
  const a = current.data;
  const b = target.data;
  switch (a.name) {
    case 'plain':
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return !('saltPosition' in b && b.name === a.name && b.saltPosition === a.saltPosition);
    case 'bcrypt':
      return b.name !== 'bcrypt' || a.rounds !== b.rounds;
    case 'pbkdf2':
      return (
        b.name !== 'pbkdf2' ||
        a.macFun !== b.macFun ||
        a.iterations !== b.iterations ||
        (a.keyLength ?? DIGEST_LENGTH[a.macFun]) !== (b.keyLength ?? DIGEST_LENGTH[b.macFun])
      );
    case 'argon2id':
      return (
        b.name !== 'argon2id' ||
        a.memoryCost !== b.memoryCost ||
        a.timeCost !== b.timeCost ||
        a.parallelism !== b.parallelism
      );
  }
}
