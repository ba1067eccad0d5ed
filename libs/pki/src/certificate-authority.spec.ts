import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertifiedKey, createCertificateAuthority, parseCertificate } from './index';
import { type Scratch, openssl, scratch } from './openssl.spec-helper';

describe('createCertificateAuthority', () => {
  let tmp: Scratch;
  let ca: CertifiedKey;
  let caFile: string;
  let text: string;

  beforeAll(async () => {
    tmp = scratch();
    ca = await createCertificateAuthority({ commonName: 'Instance 42 CA', organization: 'Acme, Inc.', validityDays: 3650 });
    caFile = tmp.write('ca.pem', ca.certPem);
    text = openssl(['x509', '-in', caFile, '-text', '-noout']);
  });
  afterAll(() => tmp.remove());

  it('makes a self-signed root that openssl verifies against itself', () => {
    expect(openssl(['verify', '-CAfile', caFile, caFile])).toContain(': OK');
  });

  it('has critical basicConstraints CA:TRUE, critical keyCertSign + cRLSign, a subject key identifier, an EC P-256 key signing ecdsa-with-SHA256', () => {
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+([0-9A-F]{2}:){19}[0-9A-F]{2}/);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('Public-Key: (256 bit)');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toContain('Subject: O = "Acme, Inc.", CN = Instance 42 CA');
  });

  it('makes an RSA 2048 root, sha256WithRSA, when asked', async () => {
    const rsa = await createCertificateAuthority({ commonName: 'RSA CA', validityDays: 30, keyAlgorithm: 'rsa-2048' });
    const file = tmp.write('rsa-ca.pem', rsa.certPem);
    const rsaText = openssl(['x509', '-in', file, '-text', '-noout']);
    expect(rsaText).toContain('Signature Algorithm: sha256WithRSAEncryption');
    expect(rsaText).toContain('Public-Key: (2048 bit)');
    expect(openssl(['verify', '-CAfile', file, file])).toContain(': OK');
  });

  it('gives a positive 16-byte serial', () => {
    const serial = new X509Certificate(ca.certPem).serialNumber;
    expect(serial).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(serial).not.toMatch(/^00/);
  });

  it('returns a PKCS#8 key that belongs to the certificate', () => {
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const fromKey = createPublicKey(createPrivateKey(ca.keyPem)).export({ type: 'spki', format: 'pem' });
    expect(parseCertificate(ca.certPem).publicKeyPem).toBe(fromKey);
    expect(new X509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
  });

  it('is valid for validityDays from (a few minutes before) now', () => {
    const info = parseCertificate(ca.certPem);
    const days = (info.notAfter.getTime() - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(3650);
    expect(info.notBefore.getTime()).toBeLessThanOrEqual(Date.now());
    expect(info.isCa).toBe(true);
  });

  it('gives every CA a different serial', async () => {
    const other = await createCertificateAuthority({ commonName: 'Instance 42 CA', validityDays: 1 });
    expect(parseCertificate(other.certPem).serialNumber).not.toBe(parseCertificate(ca.certPem).serialNumber);
    expect(parseCertificate(other.certPem).subject).toBe('CN=Instance 42 CA');
  });

  it('refuses a validity that is not a positive number of days and an empty or over-long CN', async () => {
    await expect(createCertificateAuthority({ commonName: 'x', validityDays: 0 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(createCertificateAuthority({ commonName: '', validityDays: 1 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(createCertificateAuthority({ commonName: 'x'.repeat(65), validityDays: 1 })).rejects.toMatchObject({ code: 'invalid-argument' });
  });
});
