import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PkiError, createCertificateAuthority, issueClientCertificate, verifyProofOfPossession } from './index';
import { type OpensslCa, type Scratch, opensslCa, scratch } from './openssl.spec-helper';

const DAY = 86_400_000;
const ago = (days: number): Date => new Date(Date.now() - days * DAY);
const ahead = (days: number): Date => new Date(Date.now() + days * DAY);
const CODE = 'a3f1c9e2b7d84e6f9a0b1c2d3e4f5a6b';

function failure(fn: () => void): PkiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof PkiError) return e;
    throw e;
  }
  throw new Error('expected a PkiError');
}

// The tenant's side is played by the openssl CLI: its CAs and verification certificates.
describe('verifyProofOfPossession (SPEC 4.2, registering a tenant CA)', () => {
  let tmp: Scratch;
  let osl: OpensslCa;
  let tenantCa: string;

  beforeAll(() => {
    tmp = scratch();
    osl = opensslCa(tmp);
    tenantCa = osl.issue('tenant-ca', { cn: 'Tenant Root CA', profile: 'ca', from: ago(1), to: ahead(365) }).certPem;
  });
  afterAll(() => tmp.remove());

  it('accepts an RSA CA with a verification certificate whose CN is the code, signed by the CA key', () => {
    const verification = osl.issue('v-ok', { cn: CODE, issuer: 'tenant-ca', profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    expect(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: verification, registrationCode: CODE })).not.toThrow();
  });

  it('accepts an EC (P-256) CA, which node-forge alone could not read', () => {
    const ecCa = osl.issue('ec-ca', { cn: 'Tenant EC CA', profile: 'ca', from: ago(1), to: ahead(365), key: 'ec' }).certPem;
    const verification = osl.issue('v-ec', { cn: CODE, issuer: 'ec-ca', profile: 'leaf', from: ago(1), to: ahead(1), key: 'ec' }).certPem;
    expect(() => verifyProofOfPossession({ caCertPem: ecCa, verificationCertPem: verification, registrationCode: CODE })).not.toThrow();
  });

  it('accepts a CA made by this lib with a verification certificate it issued', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ours', validityDays: 30 });
    const verification = await issueClientCertificate({ ca, commonName: CODE, validityDays: 1 });
    expect(() => verifyProofOfPossession({ caCertPem: ca.certPem, verificationCertPem: verification.certPem, registrationCode: CODE })).not.toThrow();
  });

  it('refuses a verification certificate whose CN is not the code: verification-cn-mismatch', () => {
    const verification = osl.issue('v-cn', { cn: 'something-else', issuer: 'tenant-ca', profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    const e = failure(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: verification, registrationCode: CODE }));
    expect(e.code).toBe('verification-cn-mismatch');
    expect(e.message).toContain('"something-else"');
    expect(e.message).toContain(CODE);
  });

  it('refuses a verification certificate signed by another key under the same CA name: verification-not-signed-by-ca', () => {
    osl.issue('impostor-ca', { cn: 'Tenant Root CA', profile: 'ca', from: ago(1), to: ahead(365) });
    const verification = osl.issue('v-impostor', { cn: CODE, issuer: 'impostor-ca', profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    const e = failure(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: verification, registrationCode: CODE }));
    expect(e.code).toBe('verification-not-signed-by-ca');
  });

  it('refuses a self-signed verification certificate: verification-not-signed-by-ca', () => {
    const verification = osl.issue('v-self', { cn: CODE, profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    expect(failure(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: verification, registrationCode: CODE })).code).toBe(
      'verification-not-signed-by-ca',
    );
  });

  it('refuses an expired CA: ca-expired', () => {
    osl.issue('old-ca', { cn: 'Old CA', profile: 'ca', from: new Date('2020-01-01T00:00:00Z'), to: new Date('2021-01-01T00:00:00Z') });
    const verification = osl.issue('v-old', { cn: CODE, issuer: 'old-ca', profile: 'leaf', from: new Date('2020-06-01T00:00:00Z'), to: new Date('2020-07-01T00:00:00Z') });
    const e = failure(() => verifyProofOfPossession({ caCertPem: tmp.read('old-ca.pem'), verificationCertPem: verification.certPem, registrationCode: CODE }));
    expect(e.code).toBe('ca-expired');
    expect(e.message).toContain('2021-01-01T00:00:00.000Z');
    // The same pair, judged on a day when both were valid, passes: the clock is the only fault.
    expect(() =>
      verifyProofOfPossession({
        caCertPem: tmp.read('old-ca.pem'),
        verificationCertPem: verification.certPem,
        registrationCode: CODE,
        now: new Date('2020-06-15T00:00:00Z'),
      }),
    ).not.toThrow();
  });

  it('refuses a CA that is not valid yet: ca-not-yet-valid', () => {
    const future = osl.issue('future-ca', { cn: 'Future CA', profile: 'ca', from: ahead(10), to: ahead(400) }).certPem;
    const verification = osl.issue('v-future', { cn: CODE, issuer: 'future-ca', profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    expect(failure(() => verifyProofOfPossession({ caCertPem: future, verificationCertPem: verification, registrationCode: CODE })).code).toBe('ca-not-yet-valid');
  });

  it('refuses an expired verification certificate: verification-expired', () => {
    const verification = osl.issue('v-expired', { cn: CODE, issuer: 'tenant-ca', profile: 'leaf', from: ago(1), to: new Date(Date.now() - 60_000) }).certPem;
    const e = failure(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: verification, registrationCode: CODE }));
    expect(e.code).toBe('verification-expired');
  });

  it('refuses a verification certificate that is not valid yet: verification-not-yet-valid', () => {
    const verification = osl.issue('v-early', { cn: CODE, issuer: 'tenant-ca', profile: 'leaf', from: ahead(2), to: ahead(3) }).certPem;
    expect(failure(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: verification, registrationCode: CODE })).code).toBe(
      'verification-not-yet-valid',
    );
  });

  it('refuses a leaf certificate offered as the CA: ca-not-a-ca', () => {
    const leaf = osl.issue('leaf-as-ca', { cn: 'Not a CA', profile: 'leaf', from: ago(1), to: ahead(30) }).certPem;
    const verification = osl.issue('v-leaf', { cn: CODE, issuer: 'leaf-as-ca', profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    const e = failure(() => verifyProofOfPossession({ caCertPem: leaf, verificationCertPem: verification, registrationCode: CODE }));
    expect(e.code).toBe('ca-not-a-ca');
    expect(e.message).toContain('CN=Not a CA');
  });

  it('refuses garbage with malformed-certificate, saying which input and what is wrong', () => {
    const verification = osl.issue('v-garbage', { cn: CODE, issuer: 'tenant-ca', profile: 'leaf', from: ago(1), to: ahead(1) }).certPem;
    const ca = failure(() => verifyProofOfPossession({ caCertPem: 'not a pem', verificationCertPem: verification, registrationCode: CODE }));
    expect(ca.code).toBe('malformed-certificate');
    expect(ca.message).toMatch(/^CA certificate: no "-----BEGIN CERTIFICATE-----" PEM block found/);
    const ver = failure(() => verifyProofOfPossession({ caCertPem: tenantCa, verificationCertPem: tenantCa + verification, registrationCode: CODE }));
    expect(ver.code).toBe('malformed-certificate');
    expect(ver.message).toBe('verification certificate: expected one certificate, found 2');
  });
});
