import { execFileSync } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConnectCredentials, deviceSecretConfigSchema } from '@mqc/auth';
import {
  DeviceSecretAuthenticator,
  deviceKeyFingerprint,
  signDeviceToken,
  type DeviceSecretRecord,
  type DeviceSecretStore,
} from './device-secret.authenticator';

// The real timingSafeEqual, watched: the spec proves the comparison goes through it.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const NOW_S = 1_800_000_000;
const PRIMARY = Buffer.from('9b3f1c2a7e6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3', 'hex').toString('base64');
const SECONDARY = Buffer.from('secondary key bytes, 32 of them!').toString('base64');

/** The token computed by Python's standard library, independently of our code. */
function pythonToken(clientId: string, keyBase64: string, expiry: number, safe = ''): string {
  const script = [
    'import base64, hashlib, hmac, sys, urllib.parse',
    'client_id, key, expiry, safe = sys.argv[1:5]',
    'sr = urllib.parse.quote(client_id, safe=safe)',
    "digest = hmac.new(base64.b64decode(key), (sr + '\\n' + expiry).encode(), hashlib.sha256).digest()",
    "sig = urllib.parse.quote(base64.b64encode(digest).decode(), safe=safe)",
    "sys.stdout.write('SharedAccessSignature sr=' + sr + '&sig=' + sig + '&se=' + expiry)",
  ].join('\n');
  return execFileSync('python3', ['-c', script, clientId, keyBase64, String(expiry), safe]).toString('utf8');
}

class MapDeviceStore implements DeviceSecretStore {
  readonly devices = new Map<string, DeviceSecretRecord>();
  readonly lookups: string[] = [];

  put(clientId: string, status: 'ENABLED' | 'DISABLED' = 'ENABLED', instanceId = 'inst-1'): this {
    this.devices.set(`${instanceId}/${clientId}`, { clientId, status, primaryKey: Buffer.from(PRIMARY, 'base64'), secondaryKey: Buffer.from(SECONDARY, 'base64') });
    return this;
  }

  async find(instanceId: string, clientId: string): Promise<DeviceSecretRecord | undefined> {
    this.lookups.push(`${instanceId}/${clientId}`);
    return this.devices.get(`${instanceId}/${clientId}`);
  }
}

function creds(clientId: string, password: string | undefined): ConnectCredentials {
  return { instanceId: 'inst-1', clientId, password: password === undefined ? undefined : Buffer.from(password), peerHost: '198.51.100.4', protocolVersion: 4 };
}

function authn(store: DeviceSecretStore, maxTokenLifetimeSeconds = 3600): DeviceSecretAuthenticator {
  return new DeviceSecretAuthenticator('dev-1', deviceSecretConfigSchema.parse({ maxTokenLifetimeSeconds }), store, { now: () => NOW_S * 1000 });
}

const CLIENT_IDS = ['meter-17', 'plant 1/line#2?x=y&z', 'zähler-€', 'a+b=c%d'];

describe('signDeviceToken', () => {
  it.each(CLIENT_IDS)('produces what Python produces for %j', (clientId) => {
    expect(signDeviceToken(clientId, PRIMARY, NOW_S + 600)).toBe(pythonToken(clientId, PRIMARY, NOW_S + 600));
  });

  it("encodes like encodeURIComponent: ! * ' ( ) stay, where Python's quote(safe='') escapes them", () => {
    const clientId = "dev!*'()~";
    expect(signDeviceToken(clientId, PRIMARY, NOW_S + 600)).toBe(pythonToken(clientId, PRIMARY, NOW_S + 600, "!~*'()"));
    expect(signDeviceToken(clientId, PRIMARY, NOW_S + 600)).not.toBe(pythonToken(clientId, PRIMARY, NOW_S + 600));
  });
});

describe('DeviceSecretAuthenticator', () => {
  beforeEach(() => {
    vi.mocked(timingSafeEqual).mockClear();
  });

  it.each(CLIENT_IDS)('accepts a token made by Python for %j, expiring at se', async (clientId) => {
    const store = new MapDeviceStore().put(clientId);
    expect(await authn(store).authenticate(creds(clientId, pythonToken(clientId, PRIMARY, NOW_S + 600)))).toEqual({
      kind: 'allow',
      superuser: false,
      expiresAt: new Date((NOW_S + 600) * 1000),
      credential: { kind: 'device', clientId, keySlot: 'primary', keyFingerprint: deviceKeyFingerprint(Buffer.from(PRIMARY, 'base64')) },
    });
    expect(store.lookups).toEqual([`inst-1/${clientId}`]);
  });

  it("accepts Python's quote(safe='') spelling of sr too: the signature covers sr as sent", async () => {
    const clientId = "dev!*'()";
    const store = new MapDeviceStore().put(clientId);
    expect((await authn(store).authenticate(creds(clientId, pythonToken(clientId, PRIMARY, NOW_S + 600)))).kind).toBe('allow');
  });

  it('accepts the secondary key, so keys rotate without downtime, and says the secondary slot verified it', async () => {
    const store = new MapDeviceStore().put('meter-17');
    expect(await authn(store).authenticate(creds('meter-17', signDeviceToken('meter-17', SECONDARY, NOW_S + 60)))).toMatchObject({
      kind: 'allow',
      credential: { kind: 'device', clientId: 'meter-17', keySlot: 'secondary', keyFingerprint: deviceKeyFingerprint(Buffer.from(SECONDARY, 'base64')) },
    });
  });

  it('names the primary slot when both slots hold the key that signed (replacing the primary ends the session)', async () => {
    const store = new MapDeviceStore();
    const key = Buffer.from(PRIMARY, 'base64');
    store.devices.set('inst-1/meter-17', { clientId: 'meter-17', status: 'ENABLED', primaryKey: key, secondaryKey: key });
    expect(await authn(store).authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S + 60)))).toMatchObject({ credential: { keySlot: 'primary' } });
  });

  it('fingerprints a key the same way every time, differently for another key, and never as the key itself', () => {
    const primary = Buffer.from(PRIMARY, 'base64');
    expect(deviceKeyFingerprint(primary)).toBe(deviceKeyFingerprint(Buffer.from(PRIMARY, 'base64')));
    expect(deviceKeyFingerprint(primary)).not.toBe(deviceKeyFingerprint(Buffer.from(SECONDARY, 'base64')));
    expect(deviceKeyFingerprint(primary)).not.toContain(PRIMARY);
    expect(Buffer.from(deviceKeyFingerprint(primary), 'base64').includes(primary)).toBe(false);
  });

  it('reads the fields in any order and ignores unknown ones', async () => {
    const store = new MapDeviceStore().put('meter-17');
    const token = signDeviceToken('meter-17', PRIMARY, NOW_S + 60);
    const fields = token.slice('SharedAccessSignature '.length).split('&');
    const shuffled = `SharedAccessSignature ${[fields[2], 'skn=device', fields[0], fields[1]].join('&')}`;
    expect((await authn(store).authenticate(creds('meter-17', shuffled))).kind).toBe('allow');
  });

  it('denies a token signed with another key', async () => {
    const store = new MapDeviceStore().put('meter-17');
    const other = Buffer.from('another key entirely, 32 bytes!!').toString('base64');
    expect(await authn(store).authenticate(creds('meter-17', signDeviceToken('meter-17', other, NOW_S + 60)))).toEqual({
      kind: 'deny',
      reason: 'bad-credentials',
      message: 'bad token signature',
    });
  });

  it('denies a same-length wrong signature and a truncated one (compared in constant time, never throwing)', async () => {
    const store = new MapDeviceStore().put('meter-17');
    const token = signDeviceToken('meter-17', PRIMARY, NOW_S + 60);
    const sig = decodeURIComponent(/sig=([^&]+)/.exec(token)![1]!);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(flipped).toHaveLength(sig.length);
    const withSig = (s: string) => token.replace(/sig=[^&]+/, `sig=${encodeURIComponent(s)}`);
    expect(await authn(store).authenticate(creds('meter-17', withSig(flipped)))).toMatchObject({ kind: 'deny', message: 'bad token signature' });
    expect(await authn(store).authenticate(creds('meter-17', withSig(sig.slice(0, 20))))).toMatchObject({ kind: 'deny', message: 'bad token signature' });
    expect(await authn(store).authenticate(creds('meter-17', withSig('')))).toMatchObject({ kind: 'deny', message: 'bad token signature' });
  });

  it('compares a same-length signature with crypto.timingSafeEqual, against both keys', async () => {
    const store = new MapDeviceStore().put('meter-17');
    const token = signDeviceToken('meter-17', PRIMARY, NOW_S + 60);
    const sig = decodeURIComponent(/sig=([^&]+)/.exec(token)![1]!);
    const wrong = token.replace(/sig=[^&]+/, `sig=${encodeURIComponent((sig[0] === 'A' ? 'B' : 'A') + sig.slice(1))}`);
    await authn(store).authenticate(creds('meter-17', wrong));
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(2);
    vi.mocked(timingSafeEqual).mockClear();
    await authn(store).authenticate(creds('meter-17', token));
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalledTimes(2);
  });

  it('denies an expired token, without a store lookup', async () => {
    const store = new MapDeviceStore().put('meter-17');
    expect(await authn(store).authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S)))).toMatchObject({
      kind: 'deny',
      reason: 'bad-credentials',
      message: expect.stringMatching(/expired/),
    });
    expect(store.lookups).toEqual([]);
  });

  it('denies a token valid further ahead than maxTokenLifetimeSeconds (30 s of clock skew allowed)', async () => {
    const store = new MapDeviceStore().put('meter-17');
    const a = authn(store, 3600);
    expect(await a.authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S + 3631)))).toMatchObject({
      kind: 'deny',
      message: expect.stringMatching(/more than the 3600 s allowed/),
    });
    expect((await a.authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S + 3630)))).kind).toBe('allow');
  });

  it('denies a token issued for another client id', async () => {
    const store = new MapDeviceStore().put('meter-17').put('meter-18');
    expect(await authn(store).authenticate(creds('meter-18', signDeviceToken('meter-17', PRIMARY, NOW_S + 60)))).toMatchObject({
      kind: 'deny',
      reason: 'bad-credentials',
      message: expect.stringMatching(/another client id/),
    });
  });

  it('denies a disabled device as not-authorized', async () => {
    const store = new MapDeviceStore().put('meter-17', 'DISABLED');
    expect(await authn(store).authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S + 60)))).toEqual({
      kind: 'deny',
      reason: 'not-authorized',
      message: 'the device is disabled',
    });
  });

  it('ignores an unknown device, and a device of another instance', async () => {
    const store = new MapDeviceStore().put('meter-17', 'ENABLED', 'inst-2');
    expect(await authn(store).authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S + 60)))).toEqual({ kind: 'ignore' });
  });

  it('ignores passwords that are not SharedAccessSignature tokens', async () => {
    const store = new MapDeviceStore().put('meter-17');
    const token = signDeviceToken('meter-17', PRIMARY, NOW_S + 60);
    for (const password of [undefined, '', 'hunter2', token.replace('SharedAccessSignature ', 'sharedaccesssignature '), token.replace(' ', ''), `x${token}`]) {
      expect(await authn(store).authenticate(creds('meter-17', password))).toEqual({ kind: 'ignore' });
    }
    expect(store.lookups).toEqual([]);
  });

  it.each([
    ['a missing sig', 'SharedAccessSignature sr=meter-17&se=1800000060', /needs sr, sig and se/],
    ['a field given twice', 'SharedAccessSignature sr=meter-17&sr=meter-17&sig=x&se=1800000060', /sr given twice/],
    ['se not in seconds', 'SharedAccessSignature sr=meter-17&sig=x&se=tomorrow', /Unix seconds/],
    ['bad percent-encoding', 'SharedAccessSignature sr=meter%ZZ17&sig=x&se=1800000060', /percent-encoding/],
    ['a field without a value', 'SharedAccessSignature sr=meter-17&sig&se=1800000060', /malformed field/],
  ])('denies a malformed token: %s', async (_name, password, message) => {
    const store = new MapDeviceStore().put('meter-17');
    expect(await authn(store).authenticate(creds('meter-17', password))).toMatchObject({ kind: 'deny', reason: 'bad-credentials', message });
  });

  it('lets a store failure through to the backend-failure policy', async () => {
    const failing: DeviceSecretStore = { find: async () => Promise.reject(new Error('registry unavailable')) };
    await expect(authn(failing).authenticate(creds('meter-17', signDeviceToken('meter-17', PRIMARY, NOW_S + 60)))).rejects.toThrow('registry unavailable');
  });
});
