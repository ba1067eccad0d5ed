import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthResult, Authenticator, ConnectCredentials, DeviceSecretConfig } from '@mqc/auth';

/** A device of the instance's identity registry (SPEC 4.5), keys opened by the broker. */
export interface DeviceSecretRecord {
  clientId: string;
  status: 'ENABLED' | 'DISABLED';
  /** The key bytes: the base64 text the API showed once, decoded. */
  primaryKey: Buffer;
  secondaryKey: Buffer;
}

export interface DeviceSecretStore {
  find(instanceId: string, clientId: string): Promise<DeviceSecretRecord | undefined>;
}

export interface DeviceSecretOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Slack for a device clock running ahead, on the lifetime check only. Default 30. */
  clockSkewSeconds?: number;
}

export const SHARED_ACCESS_SIGNATURE_PREFIX = 'SharedAccessSignature ';

/**
 * The token's `urlencode`: encodeURIComponent. It leaves A-Z a-z 0-9 and - _ . ! ~ * ' ( )
 * as they are and percent-encodes every other character's UTF-8 bytes with upper-case hex
 * (space is %20, never +). Python's equivalent is `urllib.parse.quote(s, safe="!~*'()")`;
 * `quote(s, safe='')` differs only on ! * ' ( ), and its tokens verify too, since the
 * signature is checked over `sr` as the device sent it.
 */
export function deviceTokenUrlEncode(text: string): string {
  return encodeURIComponent(text);
}

/** Per process: a fingerprint means nothing outside the broker that made it. */
const FINGERPRINT_KEY = randomBytes(32);

/**
 * Stands for a device key in memory after CONNECT, so the periodic resync can tell whether the
 * key slot still holds the key that verified a client without keeping the key: an HMAC under a
 * per-process random key, which a tenant-chosen (guessable) key cannot be recovered from.
 */
export function deviceKeyFingerprint(key: Buffer): string {
  return createHmac('sha256', FINGERPRINT_KEY).update(key).digest('base64');
}

function signature(key: Buffer, encodedResource: string, expiry: string): string {
  return createHmac('sha256', key).update(`${encodedResource}\n${expiry}`, 'utf8').digest('base64');
}

/**
 * The MQTT password a device presents (SPEC 4.5): `SharedAccessSignature
 * sr=<urlencode(clientId)>&sig=<urlencode(base64(HMAC-SHA256(base64decode(key),
 * urlencode(clientId) + "\n" + expiry)))>&se=<expiry>`, expiry in Unix seconds.
 */
export function signDeviceToken(clientId: string, keyBase64: string, expiry: number): string {
  const sr = deviceTokenUrlEncode(clientId);
  const se = String(Math.floor(expiry));
  const sig = signature(Buffer.from(keyBase64, 'base64'), sr, se);
  return `${SHARED_ACCESS_SIGNATURE_PREFIX}sr=${sr}&sig=${deviceTokenUrlEncode(sig)}&se=${se}`;
}

interface DeviceToken {
  /** As sent: the signature covers these exact characters. */
  rawResource: string;
  clientId: string;
  signature: string;
  expiry: number;
  rawExpiry: string;
}

/** The token's fields, in any order; unknown fields (such as `skn`) are ignored. */
function parseToken(text: string): DeviceToken | string {
  const fields = new Map<string, string>();
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return `malformed field "${part.slice(0, 32)}"`;
    const name = part.slice(0, eq);
    if (fields.has(name)) return `field ${name} given twice`;
    fields.set(name, part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  if (sr === undefined || sig === undefined || se === undefined) return 'the token needs sr, sig and se';
  if (!/^\d{1,12}$/.test(se)) return 'se must be Unix seconds';
  try {
    return { rawResource: sr, clientId: decodeURIComponent(sr), signature: decodeURIComponent(sig), expiry: Number(se), rawExpiry: se };
  } catch {
    return 'sr or sig is not valid percent-encoding';
  }
}

/** Constant time for equal lengths; the expected length (44 base64 characters) is public. */
function sameSignature(expected: string, presented: Buffer): boolean {
  const wanted = Buffer.from(expected, 'utf8');
  return wanted.length === presented.length && timingSafeEqual(wanted, presented);
}

function bad(message: string): AuthResult {
  return { kind: 'deny', reason: 'bad-credentials', message };
}

/**
 * One device one secret (SPEC 4.5). Checks, in order: a password that does not start with
 * `SharedAccessSignature ` → ignore; a malformed token, `sr` not the connecting client id,
 * an expired `se`, an `se` further ahead than `maxTokenLifetimeSeconds` → deny (before any
 * store lookup, so junk costs no query); an unknown device → ignore; a signature made by
 * neither key → deny; a disabled device → deny `not-authorized`. Allowed clients expire at `se`
 * and carry the key slot that verified them.
 */
export class DeviceSecretAuthenticator implements Authenticator {
  readonly type = 'device-secret';
  private readonly now: () => number;
  private readonly skewSeconds: number;

  constructor(
    readonly id: string,
    private readonly config: DeviceSecretConfig,
    private readonly store: DeviceSecretStore,
    options: DeviceSecretOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.skewSeconds = options.clockSkewSeconds ?? 30;
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const password = credentials.password?.toString('utf8');
    if (!password?.startsWith(SHARED_ACCESS_SIGNATURE_PREFIX)) return { kind: 'ignore' };
    const token = parseToken(password.slice(SHARED_ACCESS_SIGNATURE_PREFIX.length));
    if (typeof token === 'string') return bad(`malformed SharedAccessSignature: ${token}`);
    if (token.clientId !== credentials.clientId) return bad('the token was issued for another client id');

    const nowSeconds = Math.floor(this.now() / 1000);
    if (token.expiry <= nowSeconds) return bad(`the token expired at ${token.expiry}`);
    const lifetime = token.expiry - nowSeconds;
    if (lifetime > this.config.maxTokenLifetimeSeconds + this.skewSeconds) {
      return bad(`the token is valid for ${lifetime} s, more than the ${this.config.maxTokenLifetimeSeconds} s allowed`);
    }

    const device = await this.store.find(credentials.instanceId, credentials.clientId);
    if (!device) return { kind: 'ignore' };

    const presented = Buffer.from(token.signature, 'utf8');
    // Both keys, always: which one signed does not show in the timing.
    const byPrimary = device.primaryKey.length > 0 && sameSignature(signature(device.primaryKey, token.rawResource, token.rawExpiry), presented);
    const bySecondary = device.secondaryKey.length > 0 && sameSignature(signature(device.secondaryKey, token.rawResource, token.rawExpiry), presented);
    if (!byPrimary && !bySecondary) return bad('bad token signature');
    if (device.status !== 'ENABLED') return { kind: 'deny', reason: 'not-authorized', message: 'the device is disabled' };
    // When both slots hold the same key, the primary is named: replacing it ends the session.
    const keySlot = byPrimary ? 'primary' : 'secondary';
    const keyFingerprint = deviceKeyFingerprint(byPrimary ? device.primaryKey : device.secondaryKey);
    return { kind: 'allow', superuser: false, expiresAt: new Date(token.expiry * 1000), credential: { kind: 'device', clientId: device.clientId, keySlot, keyFingerprint } };
  }
}
