import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertifiedKey, createCertificateAuthority, createCrl, issueClientCertificate } from './index';
import { type Scratch, openssl, opensslFailure, scratch } from './openssl.spec-helper';

describe('createCrl', () => {
  let tmp: Scratch;
  let ca: CertifiedKey;
  const thisUpdate = new Date('2026-01-01T00:00:00Z');
  const nextUpdate = new Date('2026-01-08T00:00:00Z');

  beforeAll(async () => {
    tmp = scratch();
    ca = await createCertificateAuthority({ commonName: 'CRL CA', validityDays: 365 });
    tmp.write('ca.pem', ca.certPem);
  });
  afterAll(() => tmp.remove());

  /**
   * openssl crl checks the signature against -CAfile and writes its verdict ("verify OK" or
   * "verify failure") on stderr; a wrong key with the right issuer name still exits 0.
   */
  function crlText(file: string, caFile = tmp.path('ca.pem')): { stdout: string; verdict: string } {
    const stdout = openssl(['crl', '-in', file, '-CAfile', caFile, '-text', '-noout']);
    const verdict = execFileSync('sh', ['-c', 'openssl crl -in "$1" -CAfile "$2" -noout 2>&1', 'sh', file, caFile], { encoding: 'utf8' });
    return { stdout, verdict };
  }

  it('lists the revoked serials and dates, and openssl verifies its signature against the CA', () => {
    const crl = createCrl({
      ca,
      revoked: [
        { serialNumber: '0A1B2C', revokedAt: new Date('2025-12-30T10:00:00Z') },
        { serialNumber: 'ff00', revokedAt: new Date('2025-12-31T11:30:00Z') },
      ],
      thisUpdate,
      nextUpdate,
      crlNumber: 7,
    });
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+\n-----END X509 CRL-----\n$/);
    const { stdout, verdict } = crlText(tmp.write('crl.pem', crl));
    expect(verdict).toContain('verify OK');
    expect(stdout).toContain('Version 2 (0x1)');
    expect(stdout).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(stdout).toContain('Issuer: CN = CRL CA');
    expect(stdout).toContain('Last Update: Jan  1 00:00:00 2026 GMT');
    expect(stdout).toContain('Next Update: Jan  8 00:00:00 2026 GMT');
    expect(stdout).toMatch(/X509v3 CRL Number:\s+7/);
    expect(stdout).toMatch(/X509v3 Authority Key Identifier:\s+(keyid:)?([0-9A-F]{2}:){19}[0-9A-F]{2}/);
    expect(stdout).toMatch(/Serial Number: 0A1B2C\s+Revocation Date: Dec 30 10:00:00 2025 GMT/);
    expect(stdout).toMatch(/Serial Number: FF00\s+Revocation Date: Dec 31 11:30:00 2025 GMT/);
  });

  it('fails openssl verification against another CA of the same name', async () => {
    const other = await createCertificateAuthority({ commonName: 'CRL CA', validityDays: 1 });
    const file = tmp.write('crl-other.pem', createCrl({ ca, revoked: [], thisUpdate, nextUpdate, crlNumber: 1 }));
    expect(crlText(file, tmp.write('other.pem', other.certPem)).verdict).toContain('verify failure');
    expect(crlText(file).verdict).toContain('verify OK');
  });

  it('with nothing revoked omits the list (RFC 5280 5.1.2.6) and still verifies', () => {
    const { stdout, verdict } = crlText(tmp.write('empty.pem', createCrl({ ca, revoked: [], thisUpdate, nextUpdate, crlNumber: 0 })));
    expect(verdict).toContain('verify OK');
    expect(stdout).toContain('No Revoked Certificates.');
    expect(stdout).toMatch(/X509v3 CRL Number:\s+0/);
  });

  it('makes openssl verify -crl_check refuse a revoked certificate and accept a live one', async () => {
    const revoked = await issueClientCertificate({ ca, commonName: 'lost-device', validityDays: 30 });
    const live = await issueClientCertificate({ ca, commonName: 'fine-device', validityDays: 30 });
    const now = new Date();
    const crl = createCrl({
      ca,
      revoked: [{ serialNumber: revoked.serialNumber, revokedAt: now }],
      thisUpdate: new Date(now.getTime() - 60_000),
      nextUpdate: new Date(now.getTime() + 86_400_000),
      crlNumber: 2,
    });
    const args = ['verify', '-crl_check', '-CAfile', tmp.path('ca.pem'), '-CRLfile', tmp.write('live-crl.pem', crl)];
    expect(opensslFailure([...args, tmp.write('revoked.pem', revoked.certPem)])).toContain('certificate revoked');
    expect(openssl([...args, tmp.write('live.pem', live.certPem)])).toContain(': OK');
  });

  it('refuses a bad serial, a negative CRL number and nextUpdate not after thisUpdate', () => {
    const base = { ca, revoked: [], thisUpdate, nextUpdate, crlNumber: 1 };
    expect(() => createCrl({ ...base, revoked: [{ serialNumber: '12:34', revokedAt: thisUpdate }] })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => createCrl({ ...base, crlNumber: -1 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    expect(() => createCrl({ ...base, nextUpdate: thisUpdate })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});
