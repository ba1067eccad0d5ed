import { randomBytes } from 'node:crypto';

/** SPEC 4.5: keys are base64; generated ones are 32 random bytes. */
export function newDeviceKey(): string {
  return randomBytes(32).toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a key a tenant gives cannot be used, or undefined: standard base64 of 16 to 64 bytes. */
export function deviceKeyProblem(key: string): string | undefined {
  if (!key || !BASE64.test(key)) return 'must be standard base64';
  const bytes = Buffer.from(key, 'base64').length;
  if (bytes < 16 || bytes > 64) return `must decode to 16 to 64 bytes (this one is ${bytes})`;
  return undefined;
}
