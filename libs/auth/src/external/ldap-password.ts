import { createHash, timingSafeEqual } from 'node:crypto';
import * as argon2 from 'argon2';
import { verifyPassword } from '../password/password-hash';
import type { PasswordHashParams } from '../password/password-hash-params';

/**
 * `userPassword` values as LDAP servers store them (RFC 2307 `{SCHEME}value`, OpenLDAP's
 * slappasswd and its pw-sha2, argon2 and pw-pbkdf2 modules):
 * {SHA} {SSHA} {SHA256} {SSHA256} {SHA384} {SSHA384} {SHA512} {SSHA512} {MD5} {SMD5} —
 * base64 of the digest (salted: digest of password + salt, followed by the salt);
 * {CRYPT} with a bcrypt string; {ARGON2} with a PHC string; {PBKDF2-SHA1|SHA256|SHA512}
 * with `iterations$salt$hash` in adapted base64; {CLEARTEXT}. A value without a scheme is
 * judged by the authenticator's `passwordHash` setting (plain text by default).
 */
const DIGESTS: Readonly<Record<string, { algorithm: string; salted: boolean }>> = {
  SHA: { algorithm: 'sha1', salted: false },
  SSHA: { algorithm: 'sha1', salted: true },
  SHA256: { algorithm: 'sha256', salted: false },
  SSHA256: { algorithm: 'sha256', salted: true },
  SHA384: { algorithm: 'sha384', salted: false },
  SSHA384: { algorithm: 'sha384', salted: true },
  SHA512: { algorithm: 'sha512', salted: false },
  SSHA512: { algorithm: 'sha512', salted: true },
  MD5: { algorithm: 'md5', salted: false },
  SMD5: { algorithm: 'md5', salted: true },
};

const DIGEST_BYTES: Readonly<Record<string, number>> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64, md5: 16 };

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The schemes verifyLdapPassword knows, for messages. */
export const LDAP_PASSWORD_SCHEMES = [...Object.keys(DIGESTS), 'CRYPT (bcrypt)', 'ARGON2', 'PBKDF2-SHA1', 'PBKDF2-SHA256', 'PBKDF2-SHA512', 'CLEARTEXT'];

/** True when `password` matches one stored `userPassword` value; unknown schemes never match. */
export async function verifyLdapPassword(stored: string, password: Buffer, unprefixed: PasswordHashParams = { name: 'plain', saltPosition: 'none' }): Promise<boolean> {
  const match = /^\{([A-Za-z0-9-]+)\}(.*)$/s.exec(stored);
  if (!match) return verifyPassword(password, { hash: stored, salt: '', params: unprefixed });
  const scheme = (match[1] ?? '').toUpperCase();
  const value = match[2] ?? '';
  const digest = DIGESTS[scheme];
  if (digest) {
    const decoded = Buffer.from(value, 'base64');
    const length = DIGEST_BYTES[digest.algorithm] ?? 0;
    if (decoded.length < length || (!digest.salted && decoded.length !== length)) return false;
    const salt = decoded.subarray(length);
    const computed = createHash(digest.algorithm).update(Buffer.concat([password, salt])).digest();
    return equal(computed, decoded.subarray(0, length));
  }
  try {
    if (scheme === 'CLEARTEXT') return equal(Buffer.from(value, 'utf8'), password);
    if (scheme === 'CRYPT') return /^\$2[aby]\$/.test(value) && (await verifyPassword(password, { hash: value, salt: '', params: { name: 'bcrypt' } }));
    if (scheme === 'ARGON2') return /^\$argon2(id|i|d)\$/.test(value) && (await argon2.verify(value, password));
    const pbkdf2 = /^PBKDF2-(SHA1|SHA256|SHA512)$/.exec(scheme);
    if (pbkdf2) {
      // OpenLDAP's pw-pbkdf2 writes passlib's layout without the leading `$pbkdf2-…$`.
      const mac = (pbkdf2[1] ?? '').toLowerCase();
      const phc = `$pbkdf2${mac === 'sha1' ? '' : `-${mac}`}$${value}`;
      return await verifyPassword(password, { hash: phc, salt: '', params: { name: 'pbkdf2', macFun: mac as 'sha1' | 'sha256' | 'sha512', iterations: 1 } });
    }
  } catch {
    return false;
  }
  return false;
}
