import { createHash, randomBytes } from 'node:crypto';

/** `mqc_` and 32 random bytes: high entropy, so a SHA-256 digest is a sound way to store it. */
export function newApiKeySecret(): string {
  return `mqc_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKeySecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, 12);
}
