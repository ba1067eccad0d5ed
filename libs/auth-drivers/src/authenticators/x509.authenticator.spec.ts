import { beforeEach, describe, expect, it } from 'vitest';
import { type ClientCertificate, type ConnectCredentials, x509ConfigSchema } from '@mqc/auth';
import { X509Authenticator, type RegisteredDeviceCertificate, type X509Lookup, type X509Store } from './x509.authenticator';

const CERT: ClientCertificate = {
  commonName: 'meter-1',
  subject: 'O=Acme\nCN=meter-1',
  serialNumber: '0A1B2C',
  fingerprint256: 'AA:BB',
  issuerFingerprint256: 'CA:01',
};

/** The registry in a map, as the broker's SQL store answers it. */
class MapX509Store implements X509Store {
  settings: Pick<X509Lookup, 'mode' | 'provisioning' | 'autoActivate'> = { mode: 'BYOC', provisioning: 'API', autoActivate: false };
  readonly certificates = new Map<string, RegisteredDeviceCertificate>();
  readonly cas = new Map<string, NonNullable<X509Lookup['issuingCa']>>();
  readonly jitp: { serial: string; caCertificateId: string; status: string }[] = [];

  lookup(_instanceId: string, certificate: ClientCertificate): Promise<X509Lookup> {
    return Promise.resolve({
      ...this.settings,
      registered: this.certificates.get(certificate.serialNumber),
      issuingCa: certificate.issuerFingerprint256 === undefined ? undefined : this.cas.get(certificate.issuerFingerprint256),
    });
  }

  registerJustInTime(_instanceId: string, certificate: ClientCertificate, o: { caCertificateId: string; status: RegisteredDeviceCertificate['status'] }) {
    this.jitp.push({ serial: certificate.serialNumber, ...o });
    const existing = this.certificates.get(certificate.serialNumber);
    if (existing) return Promise.resolve(existing);
    const entry = { clientId: certificate.commonName, status: o.status, fingerprint256: certificate.fingerprint256 };
    this.certificates.set(certificate.serialNumber, entry);
    return Promise.resolve(entry);
  }
}

function credentials(o: Partial<ConnectCredentials> = {}): ConnectCredentials {
  return { instanceId: 'inst-1', clientId: 'meter-1', peerHost: '192.0.2.1', protocolVersion: 4, certificate: CERT, ...o };
}

describe('the x509 authenticator', () => {
  let store: MapX509Store;
  let x509: X509Authenticator;

  beforeEach(() => {
    store = new MapX509Store();
    x509 = new X509Authenticator('a-1', x509ConfigSchema.parse({}), store);
  });

  const register = (status: RegisteredDeviceCertificate['status'], o: Partial<RegisteredDeviceCertificate> = {}) =>
    store.certificates.set(CERT.serialNumber, { clientId: 'meter-1', status, fingerprint256: CERT.fingerprint256, ...o });

  it('ignores a client without a certificate, without asking the registry', async () => {
    store.lookup = () => Promise.reject(new Error('must not be asked'));
    expect(await x509.authenticate(credentials({ certificate: undefined, username: 'u' }))).toEqual({ kind: 'ignore' });
  });

  it('allows an ACTIVE registered certificate whose CN is the client id', async () => {
    register('ACTIVE');
    expect(await x509.authenticate(credentials())).toEqual({ kind: 'allow' });
  });

  it.each([
    ['INACTIVE', 'certificate 0A1B2C is inactive'],
    ['REVOKED', 'certificate 0A1B2C is revoked'],
    ['PENDING_ACTIVATION', 'certificate 0A1B2C is pending activation'],
  ] as const)('denies a %s certificate, in BYOC and in mTLS mode alike', async (status, message) => {
    register(status);
    for (const mode of ['BYOC', 'mTLS'] as const) {
      store.settings.mode = mode;
      expect(await x509.authenticate(credentials())).toEqual({ kind: 'deny', reason: 'not-authorized', message });
    }
  });

  it('denies an unregistered certificate in BYOC mode and allows it in mTLS mode (the chain to a trusted CA suffices)', async () => {
    expect(await x509.authenticate(credentials())).toEqual({ kind: 'deny', reason: 'not-authorized', message: 'certificate 0A1B2C is not registered' });
    store.settings.mode = 'mTLS';
    expect(await x509.authenticate(credentials())).toEqual({ kind: 'allow' });
  });

  it('does not take another certificate with the same serial for this one', async () => {
    register('ACTIVE', { fingerprint256: 'FF:FF' });
    expect(await x509.authenticate(credentials())).toMatchObject({ kind: 'deny', message: 'another certificate with serial 0A1B2C is registered' });
  });

  it('binds a registered certificate to the client id of its CN, whatever the config says', async () => {
    register('ACTIVE');
    const asUsername = new X509Authenticator('a-2', x509ConfigSchema.parse({ as: 'username' }), store);
    for (const authenticator of [x509, asUsername]) {
      expect(await authenticator.authenticate(credentials({ clientId: 'meter-2' }))).toEqual({
        kind: 'deny',
        reason: 'not-authorized',
        message: 'client id "meter-2" differs from the certificate\'s CN "meter-1"',
      });
    }
  });

  it('denies a certificate of a CA that is no longer ACTIVE (the trust store may not have caught up yet)', async () => {
    register('ACTIVE');
    store.cas.set('CA:01', { id: 'ca-1', status: 'INACTIVE', autoRegistration: true });
    expect(await x509.authenticate(credentials())).toMatchObject({ kind: 'deny', message: 'the CA that issued certificate 0A1B2C is inactive' });
  });

  describe('just-in-time registration (BYOC)', () => {
    beforeEach(() => {
      store.settings = { mode: 'BYOC', provisioning: 'JITP', autoActivate: true };
      store.cas.set('CA:01', { id: 'ca-1', status: 'ACTIVE', autoRegistration: true });
    });

    it('registers a first-seen certificate ACTIVE with auto-activation and lets it in', async () => {
      expect(await x509.authenticate(credentials())).toEqual({ kind: 'allow' });
      expect(store.jitp).toEqual([{ serial: '0A1B2C', caCertificateId: 'ca-1', status: 'ACTIVE' }]);
      expect(await x509.authenticate(credentials())).toEqual({ kind: 'allow' });
      expect(store.jitp).toHaveLength(1);
    });

    it('registers it PENDING_ACTIVATION without auto-activation and refuses it until activated', async () => {
      store.settings.autoActivate = false;
      expect(await x509.authenticate(credentials())).toMatchObject({ kind: 'deny', message: 'certificate 0A1B2C is pending activation' });
      expect(store.jitp).toEqual([{ serial: '0A1B2C', caCertificateId: 'ca-1', status: 'PENDING_ACTIVATION' }]);
      store.certificates.get('0A1B2C')!.status = 'ACTIVE';
      expect(await x509.authenticate(credentials())).toEqual({ kind: 'allow' });
    });

    it('registers nothing when the CA has no auto-registration, the instance provisions by API, or the CA is not registered', async () => {
      store.cas.set('CA:01', { id: 'ca-1', status: 'ACTIVE', autoRegistration: false });
      expect(await x509.authenticate(credentials())).toMatchObject({ kind: 'deny', message: 'certificate 0A1B2C is not registered' });
      store.cas.set('CA:01', { id: 'ca-1', status: 'ACTIVE', autoRegistration: true });
      store.settings.provisioning = 'API';
      expect(await x509.authenticate(credentials())).toMatchObject({ kind: 'deny', message: 'certificate 0A1B2C is not registered' });
      store.settings.provisioning = 'JITP';
      expect(await x509.authenticate(credentials({ certificate: { ...CERT, issuerFingerprint256: 'INSTANCE-CA' } }))).toMatchObject({ kind: 'deny' });
      expect(store.jitp).toEqual([]);
    });

    it('registers the certificate but refuses a client id that differs from its CN', async () => {
      expect(await x509.authenticate(credentials({ clientId: 'intruder' }))).toMatchObject({ kind: 'deny', message: 'client id "intruder" differs from the certificate\'s CN "meter-1"' });
      expect(store.certificates.get('0A1B2C')?.status).toBe('ACTIVE');
    });
  });

  describe('identity from the certificate (mTLS)', () => {
    beforeEach(() => {
      store.settings.mode = 'mTLS';
    });

    it('as client id: the CN (or the whole subject) must be the client id', async () => {
      expect(await x509.authenticate(credentials({ clientId: 'other' }))).toMatchObject({ kind: 'deny', message: 'client id "other" differs from the certificate\'s CN "meter-1"' });
      const bySubject = new X509Authenticator('a-3', x509ConfigSchema.parse({ identityFrom: 'subject' }), store);
      expect(await bySubject.authenticate(credentials({ clientId: 'O=Acme\nCN=meter-1' }))).toEqual({ kind: 'allow' });
      expect(await bySubject.authenticate(credentials())).toMatchObject({ kind: 'deny' });
    });

    it('as username: any client id; a username, when given, must be the CN', async () => {
      const asUsername = new X509Authenticator('a-4', x509ConfigSchema.parse({ as: 'username' }), store);
      expect(await asUsername.authenticate(credentials({ clientId: 'anything' }))).toEqual({ kind: 'allow' });
      expect(await asUsername.authenticate(credentials({ clientId: 'anything', username: 'meter-1' }))).toEqual({ kind: 'allow' });
      expect(await asUsername.authenticate(credentials({ clientId: 'anything', username: 'meter-9' }))).toEqual({
        kind: 'deny',
        reason: 'bad-credentials',
        message: 'username "meter-9" differs from the certificate\'s identity "meter-1"',
      });
    });
  });

  it('lets a registry failure reach the chain (its backend-failure policy judges it)', async () => {
    store.lookup = () => Promise.reject(new Error('database down'));
    await expect(x509.authenticate(credentials())).rejects.toThrow('database down');
  });
});
