import {
  passwordHashParamsSchema,
  type PbkdfMac,
  type ResolvedPasswordHashParams,
  type StoredPassword,
} from './password-hash-params';

/*
 * Self-describing hashes carry algorithm, parameters and salt in the one string, so a user
 * row keeps the whole string as its `hash` (and '' as its `salt`). Accepted formats:
 *
 * - bcrypt (modular crypt): `$2a$`, `$2b$` or `$2y$`, two-digit cost, 22 + 31 characters of
 *   bcrypt base64. `$2y$` (crypt_blowfish, htpasswd, PHP) is the same algorithm as `$2b$`.
 * - pbkdf2, passlib's modular crypt format: `$pbkdf2$<rounds>$<salt>$<key>` (HMAC-SHA1),
 *   `$pbkdf2-sha256$…`, `$pbkdf2-sha512$…`; salt and key in passlib's "adapted base64"
 *   (standard alphabet with `.` for `+`, no padding). The PHC-style spelling of the rounds,
 *   `i=<rounds>`, with the standard alphabet (`+`) is accepted as well. The salt is the
 *   decoded bytes, the key length is the decoded key's length.
 * - argon2id, PHC string format: `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`
 *   (standard base64 without padding; the parameters in any order, `data=` allowed), as the
 *   reference `argon2` CLI and node-argon2 print it.
 *
 * Parameters outside PASSWORD_HASH_LIMITS are refused (undefined): a login would otherwise
 * spend whatever an imported string asks for.
 */

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const PBKDF2 = /^\$pbkdf2(?:-(sha1|sha256|sha512))?\$(?:i=)?(\d{1,10})\$([A-Za-z0-9+/.]*)\$([A-Za-z0-9+/.]+)$/;
const ARGON2ID = /^\$argon2id\$(?:v=(?:16|19)\$)?([a-z0-9=,+/]+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const ARGON2_KEYS = new Set(['m', 't', 'p', 'data']);
const DECIMAL = /^[0-9]{1,10}$/;

export interface DecodedPbkdf2Hash {
  macFun: PbkdfMac;
  iterations: number;
  salt: Buffer;
  derivedKey: Buffer;
}

/** Adapted base64 (passlib) and standard base64, both unpadded. */
function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

/** The parts of a pbkdf2 modular-crypt string, or undefined when it is not one. */
export function decodePbkdf2Hash(hash: string): DecodedPbkdf2Hash | undefined {
  const match = PBKDF2.exec(hash);
  if (!match) return undefined;
  const [, mac, rounds, salt, key] = match;
  if (rounds === undefined || salt === undefined || key === undefined || key.length % 4 === 1) return undefined;
  return {
    macFun: (mac as PbkdfMac | undefined) ?? 'sha1',
    iterations: Number(rounds),
    salt: decodeBase64(salt),
    derivedKey: decodeBase64(key),
  };
}

/** `m=…,t=…,p=…` in any order (libraries differ: the reference CLI writes m,t,p, node-argon2 m,p,t), optional `data=`. */
function decodeArgon2Params(text: string): { memoryCost: number; timeCost: number; parallelism: number } | undefined {
  const seen = new Map<string, string>();
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split('=');
    if (!key || !value || extra !== undefined || !ARGON2_KEYS.has(key) || seen.has(key)) return undefined;
    seen.set(key, value);
  }
  const [m, t, p] = [seen.get('m') ?? '', seen.get('t') ?? '', seen.get('p') ?? ''];
  if (![m, t, p].every((n) => DECIMAL.test(n))) return undefined;
  return { memoryCost: Number(m), timeCost: Number(t), parallelism: Number(p) };
}

function withinLimits(params: unknown): ResolvedPasswordHashParams | undefined {
  const parsed = passwordHashParamsSchema.safeParse(params);
  return parsed.success ? parsed.data : undefined;
}

/** A stored password read from a bcrypt, pbkdf2 (passlib/PHC) or argon2id string; undefined otherwise. */
export function parseSelfDescribingHash(hash: string): StoredPassword | undefined {
  if (typeof hash !== 'string') return undefined;
  let params: ResolvedPasswordHashParams | undefined;
  const bcrypt = BCRYPT.exec(hash);
  const argon2 = ARGON2ID.exec(hash);
  if (bcrypt) {
    params = withinLimits({ name: 'bcrypt', rounds: Number(bcrypt[1]) });
  } else if (argon2) {
    const argonParams = decodeArgon2Params(argon2[1] ?? '');
    params = argonParams && withinLimits({ name: 'argon2id', ...argonParams });
  } else {
    const pbkdf2 = decodePbkdf2Hash(hash);
    if (pbkdf2) {
      const { macFun, iterations, derivedKey } = pbkdf2;
      params = withinLimits({ name: 'pbkdf2', macFun, iterations, keyLength: derivedKey.length });
    }
  }
  return params && { hash, salt: '', params };
}
