import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsr } from './index';
import { type OpensslCa, type Scratch, openssl, opensslCa, scratch } from './openssl.spec-helper';

describe('parseCsr', () => {
  let tmp: Scratch;
  let osl: OpensslCa;

  beforeAll(() => {
    tmp = scratch();
    osl = opensslCa(tmp);
  });
  afterAll(() => tmp.remove());

  it.each(['rsa', 'ec', 'ed25519'] as const)('reads the CN and key of an openssl %s CSR', (key) => {
    const { keyFile, csrFile } = osl.keyAndCsr(`dev-${key}`, 'device-0042', key);
    const csr = parseCsr(tmp.read(`dev-${key}.csr`));
    expect(csr.commonName).toBe('device-0042');
    expect(csr.publicKeyPem).toBe(openssl(['pkey', '-in', keyFile, '-pubout']));
    expect(csr.publicKeyPem).toBe(openssl(['req', '-in', csrFile, '-noout', '-pubkey']));
  });

  it('reads a CSR without a CN', () => {
    const keyFile = tmp.path('nocn.key');
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-subj', '/O=Acme', '-out', tmp.path('nocn.csr'), '-config', tmp.path('openssl-ca.cnf')]);
    expect(parseCsr(tmp.read('nocn.csr')).commonName).toBeUndefined();
  });

  it('refuses a CSR whose signature does not verify: a byte of the subject changed', () => {
    osl.keyAndCsr('tamper', 'device-AAAA');
    const der = Buffer.from(tmp.read('tamper.csr').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('device-AAAA'));
    der[at + 7] = 'B'.charCodeAt(0);
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(pem)).toThrow(expect.objectContaining({ code: 'invalid-csr', message: 'the self-signature does not verify with the key in the request' }));
  });

  it('refuses a CSR signed with SHA-1 and one with a 1024-bit RSA key, saying why', () => {
    const cnf = tmp.path('openssl-ca.cnf');
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha1', '-keyout', tmp.path('sha1.key'), '-subj', '/CN=x', '-out', tmp.path('sha1.csr'), '-config', cnf]);
    expect(() => parseCsr(tmp.read('sha1.csr'))).toThrow(expect.objectContaining({ code: 'invalid-csr', message: expect.stringContaining('1.2.840.113549.1.1.5 is not accepted') }));
    openssl(['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-keyout', tmp.path('small.key'), '-subj', '/CN=x', '-out', tmp.path('small.csr'), '-config', cnf]);
    expect(() => parseCsr(tmp.read('small.csr'))).toThrow(expect.objectContaining({ code: 'invalid-csr', message: 'RSA key of 1024 bits is too small (minimum 2048)' }));
  });

  it('refuses garbage, a certificate and truncated DER with invalid-csr and a precise reason', () => {
    expect(() => parseCsr('hello')).toThrow(expect.objectContaining({ code: 'invalid-csr', message: 'expected one "CERTIFICATE REQUEST" PEM block, found 0' }));
    const cert = osl.issue('c', { cn: 'x', profile: 'leaf', from: new Date(Date.now() - 1000), to: new Date(Date.now() + 86_400_000) }).certPem;
    expect(() => parseCsr(cert)).toThrow(expect.objectContaining({ code: 'invalid-csr', message: 'PEM block is "CERTIFICATE", expected "CERTIFICATE REQUEST"' }));
    const truncated = `-----BEGIN CERTIFICATE REQUEST-----\nMIICWjCCAUICAQAwFTETMBEGA1UEAwwK\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCsr(truncated)).toThrow(expect.objectContaining({ code: 'invalid-csr', message: expect.stringMatching(/^not a DER PKCS#10 request \(/) }));
  });

  it('answers a public key Node can load', () => {
    osl.keyAndCsr('load', 'x', 'ec');
    expect(createPublicKey(parseCsr(tmp.read('load.csr')).publicKeyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });
});
