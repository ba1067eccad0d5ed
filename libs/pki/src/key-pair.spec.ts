import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from './index';
import { openssl } from './openssl.spec-helper';

describe('generateKeyPair', () => {
  it('makes an RSA 2048 pair: PKCS#8 private key, SPKI public key, matching', async () => {
    const pair = await generateKeyPair();
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPrivateKey(pair.privateKeyPem).asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(createPublicKey(pair.privateKeyPem).export({ type: 'spki', format: 'pem' })).toBe(pair.publicKeyPem);
    expect(openssl(['pkey', '-pubout'], pair.privateKeyPem)).toBe(pair.publicKeyPem);
  });
});
