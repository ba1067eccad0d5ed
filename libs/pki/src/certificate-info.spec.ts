import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkiError, createCertificateAuthority, isSignedBy, issueClientCertificate, parseCertificate, parseCertificates } from './index';
import { type Scratch, openssl, scratch } from './openssl.spec-helper';

function failure(fn: () => unknown): PkiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PkiError) return e;
    throw e;
  }
  throw new Error('expected a PkiError');
}

describe('parseCertificate', () => {
  let tmp: Scratch;
  beforeAll(() => (tmp = scratch()));
  afterAll(() => tmp.remove());

  function opensslCert(serial: string, subj = '/CN=x', key = 'ec'): string {
    const newkey = key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
    openssl(['req', '-x509', ...newkey, '-nodes', '-keyout', tmp.path('k.pem'), '-subj', subj, '-days', '2', '-set_serial', serial, '-out', tmp.path('c.pem'), '-config', tmp.write('req.cnf', '[req]\ndistinguished_name=dn\n[dn]\n')]);
    return tmp.read('c.pem');
  }

  it.each(['0', '1', '127', '128', '0x00ff', '0xff00', '-5', '0x0102030405060708090A0B0C0D0E0F1011', '0x8000000000000000000000000000000000000000'])(
    'writes serial %s exactly as Node X509Certificate.serialNumber',
    (serial) => {
      const pem = opensslCert(serial);
      expect(parseCertificate(pem).serialNumber).toBe(new X509Certificate(pem).serialNumber);
    },
  );

  it('matches Node on fingerprint256, subject, issuer, dates and public key', async () => {
    const pems = [
      opensslCert('42', '/C=SE/ST=Stockholm/O=Acme, Inc./OU=R\\+D/CN=dev "one"', 'rsa'),
      (await createCertificateAuthority({ commonName: 'Ünïcode CA', organization: 'Ω Corp', validityDays: 10 })).certPem,
    ];
    for (const pem of pems) {
      const node = new X509Certificate(pem);
      const info = parseCertificate(pem);
      expect(info.fingerprint256).toBe(node.fingerprint256);
      expect(info.subject).toBe(node.subject);
      expect(info.issuer).toBe(node.issuer);
      expect(info.notBefore).toEqual(new Date(node.validFrom));
      expect(info.notAfter).toEqual(new Date(node.validTo));
      expect(info.publicKeyPem).toBe(node.publicKey.export({ type: 'spki', format: 'pem' }));
      expect(info.isCa).toBe(node.ca);
    }
    expect(parseCertificate(pems[0]!).commonName).toBe('dev "one"');
    expect(parseCertificate(pems[1]!).commonName).toBe('Ünïcode CA');
    expect(parseCertificate(pems[1]!).subject).toBe('O=Ω Corp\nCN=Ünïcode CA');
  });

  it('answers an undefined commonName for a subject without CN, and the last CN when there are several', () => {
    expect(parseCertificate(opensslCert('1', '/O=No CN')).commonName).toBeUndefined();
    expect(parseCertificate(opensslCert('1', '/CN=first/CN=last')).commonName).toBe('last');
  });

  it('refuses garbage with malformed-certificate and a precise message', () => {
    const ca = opensslCert('7');
    const body = ca.replace(/-----[^-]+-----|\s/g, '');
    const cases: [string, string | RegExp][] = [
      ['', 'certificate: no "-----BEGIN CERTIFICATE-----" PEM block found'],
      ['hello', 'certificate: no "-----BEGIN CERTIFICATE-----" PEM block found'],
      [ca + ca, 'certificate: expected one certificate, found 2'],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'certificate: PEM block #1 is "PRIVATE KEY", expected "CERTIFICATE"'],
      ['-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n', 'certificate: PEM block "CERTIFICATE" is not valid base64'],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', /^certificate: not a DER X\.509 certificate \(/],
      [`-----BEGIN CERTIFICATE-----\n${body.slice(0, Math.floor(body.length / 8) * 4)}\n-----END CERTIFICATE-----\n`, /^certificate: not a DER X\.509 certificate \(/],
      [`-----BEGIN CERTIFICATE-----\n${body}\n-----END X509 CRL-----\n`, 'certificate: PEM block "BEGIN CERTIFICATE" ends with "END X509 CRL"'],
    ];
    for (const [input, message] of cases) {
      const e = failure(() => parseCertificate(input));
      expect({ input, message: e.message }).toEqual({ input, message: expect.stringMatching(message) });
      expect(e.code).toBe('malformed-certificate');
      expect(e.message).toMatch(message);
    }
  });
});

describe('parseCertificates', () => {
  it('reads a bundle in order, ignoring text between blocks', async () => {
    const a = await createCertificateAuthority({ commonName: 'A', validityDays: 1 });
    const b = await createCertificateAuthority({ commonName: 'B', validityDays: 1 });
    const bundle = `subject=CN = A\n${a.certPem}\n# B follows\r\n${b.certPem.replace(/\n/g, '\r\n')}`;
    expect(parseCertificates(bundle).map((c) => c.commonName)).toEqual(['A', 'B']);
  });

  it('refuses an empty bundle and one with a private key in it, naming the block', async () => {
    const a = await createCertificateAuthority({ commonName: 'A', validityDays: 1 });
    expect(failure(() => parseCertificates('')).message).toBe('certificate bundle: no "-----BEGIN CERTIFICATE-----" PEM block found');
    expect(failure(() => parseCertificates(a.certPem + a.keyPem)).message).toBe('certificate bundle: PEM block #2 is "PRIVATE KEY", expected "CERTIFICATE"');
  });
});

describe('isSignedBy', () => {
  it('is true for the issuing CA and false for a CA of the same name with another key', async () => {
    const ca = await createCertificateAuthority({ commonName: 'Same', validityDays: 1 });
    const twin = await createCertificateAuthority({ commonName: 'Same', validityDays: 1 });
    const leaf = await issueClientCertificate({ ca, commonName: 'leaf', validityDays: 1 });
    expect(isSignedBy(leaf.certPem, ca.certPem)).toBe(true);
    expect(isSignedBy(leaf.certPem, twin.certPem)).toBe(false);
    expect(isSignedBy(ca.certPem, ca.certPem)).toBe(true);
    expect(isSignedBy(ca.certPem, leaf.certPem)).toBe(false);
  });
});
