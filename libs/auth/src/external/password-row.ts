import type { AuthResult, ConnectCredentials } from '../chain/authenticator';
import { verifyPassword } from '../password/password-hash';
import type { PasswordHashParams } from '../password/password-hash-params';

/**
 * What an external password database answers for one client (SPEC 4.6, EMQX's contract):
 * `password_hash` (or `password`), an optional `salt` and an optional `is_superuser`.
 */
export interface PasswordRow {
  password_hash?: unknown;
  password?: unknown;
  salt?: unknown;
  is_superuser?: unknown;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** The spellings of "true" databases use: booleans, 1, '1', 'true' (MySQL TINYINT, Redis strings). */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) === 1;
  const t = text(value)?.trim().toLowerCase();
  return t === '1' || t === 'true' || t === 't' || t === 'yes';
}

const BAD_CREDENTIALS: AuthResult = { kind: 'deny', reason: 'bad-credentials', message: 'bad username or password' };

/**
 * Judges a client by the row its database returned: the password is checked with the
 * configured algorithm (every algorithm of the built-in store, constant-time). A row without
 * a usable hash, or a client without a password, is refused.
 */
export async function judgePasswordRow(row: PasswordRow, credentials: ConnectCredentials, params: PasswordHashParams): Promise<AuthResult> {
  const hash = text(row.password_hash) ?? text(row.password);
  if (hash === undefined || credentials.password === undefined) return BAD_CREDENTIALS;
  const salt = text(row.salt) ?? '';
  if (!(await verifyPassword(credentials.password, { hash, salt, params }))) return BAD_CREDENTIALS;
  return { kind: 'allow', superuser: truthy(row.is_superuser) };
}

/** Rejects after `ms` with `error()`; the work itself is left to its own driver timeout. */
export function withDeadline<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** A backend's failure, with where it happened and never a password. */
export class ExternalDatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExternalDatabaseError';
  }
}
