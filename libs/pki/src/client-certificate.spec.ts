import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo } from 'node:net';
import { type TLSSocket, connect, createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertifiedKey, createCertificateAuthority, issueClientCertificate, issueServerCertificate, loadSigningCa, parseCertificate } from './index';
import { type OpensslCa, type Scratch, openssl, opensslCa, opensslFailure, scratch } from './openssl.spec-helper';

describe('issueClientCertificate', () => {
  let tmp: Scratch;
  let osl: OpensslCa;
  let ca: CertifiedKey;

  beforeAll(async () => {
    tmp = scratch();
    osl = opensslCa(tmp);
    ca = await createCertificateAuthority({ commonName: 'Instance CA', validityDays: 365 });
    tmp.write('ca.pem', ca.certPem);
  });
  afterAll(() => tmp.remove());

  it('from an RSA CA (the instances made before EC keys): sha256WithRSA, verified by openssl', async () => {
    const rsaCa = await createCertificateAuthority({ commonName: 'RSA Instance CA', validityDays: 365, keyAlgorithm: 'rsa-2048' });
    const caFile = tmp.write('rsa-ca.pem', rsaCa.certPem);
    const issued = await issueClientCertificate({ ca: rsaCa, commonName: 'device-rsa', validityDays: 30 });
    const file = tmp.write('rsa-issued.pem', issued.certPem);
    expect(openssl(['verify', '-purpose', 'sslclient', '-CAfile', caFile, file])).toContain(': OK');
    expect(openssl(['x509', '-in', file, '-text', '-noout'])).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('with a generated key: returns the key, a clientAuth certificate openssl verifies, and its serial in Node format', async () => {
    const issued = await issueClientCertificate({ ca, commonName: 'device-1', validityDays: 30 });
    const file = tmp.write('gen.pem', issued.certPem);
    expect(openssl(['verify', '-purpose', 'sslclient', '-CAfile', tmp.path('ca.pem'), file])).toContain(': OK');
    const text = openssl(['x509', '-in', file, '-text', '-noout']);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain('Subject: CN = device-1');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(issued.serialNumber).toBe(new X509Certificate(issued.certPem).serialNumber);
    expect(issued.serialNumber).toBe(parseCertificate(issued.certPem).serialNumber);
    expect(new X509Certificate(issued.certPem).checkPrivateKey(createPrivateKey(issued.keyPem!))).toBe(true);
  });

  it('with a generated EC P-256 key, from a CA loaded once: a certificate openssl verifies, digitalSignature only', async () => {
    const signing = loadSigningCa(ca);
    const issued = await issueClientCertificate({ ca: signing, commonName: 'device-ec-gen', validityDays: 30, keyAlgorithm: 'ec-p256' });
    const file = tmp.write('gen-ec.pem', issued.certPem);
    expect(openssl(['verify', '-purpose', 'sslclient', '-CAfile', tmp.path('ca.pem'), file])).toContain(': OK');
    const key = createPrivateKey(issued.keyPem!);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(new X509Certificate(issued.certPem).checkPrivateKey(key)).toBe(true);
    expect(openssl(['x509', '-in', file, '-text', '-noout'])).toMatch(/Key Usage: critical\s+Digital Signature\n/);
  });

  it.each(['rsa', 'ec', 'ed25519'] as const)('from an openssl %s CSR: certifies the CSR key, returns no key', async (key) => {
    const { keyFile } = osl.keyAndCsr(`csr-${key}`, 'device-2', key);
    const issued = await issueClientCertificate({ ca, commonName: 'device-2', validityDays: 30, csrPem: tmp.read(`csr-${key}.csr`) });
    expect(issued).not.toHaveProperty('keyPem');
    const file = tmp.write(`csr-${key}.pem`, issued.certPem);
    expect(openssl(['verify', '-purpose', 'sslclient', '-CAfile', tmp.path('ca.pem'), file])).toContain(': OK');
    // The certificate's key is the device's: openssl pairs them.
    expect(openssl(['x509', '-in', file, '-noout', '-pubkey'])).toBe(openssl(['pkey', '-in', keyFile, '-pubout']));
    const text = openssl(['x509', '-in', file, '-text', '-noout']);
    expect(text).toMatch(key === 'rsa' ? /Key Usage: critical\s+Digital Signature, Key Encipherment/ : /Key Usage: critical\s+Digital Signature\n/);
  });

  it('takes a CSR without a CN and refuses one naming another CN', async () => {
    const cnf = tmp.path('openssl-ca.cnf');
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', tmp.path('nocn.key'), '-subj', '/O=Acme', '-out', tmp.path('nocn.csr'), '-config', cnf]);
    const issued = await issueClientCertificate({ ca, commonName: 'device-3', validityDays: 1, csrPem: tmp.read('nocn.csr') });
    expect(parseCertificate(issued.certPem).subject).toBe('CN=device-3');
    osl.keyAndCsr('other', 'device-4');
    await expect(issueClientCertificate({ ca, commonName: 'device-3', validityDays: 1, csrPem: tmp.read('other.csr') })).rejects.toMatchObject({
      code: 'csr-cn-mismatch',
      message: 'the CSR asks for CN "device-4", the certificate is for "device-3"',
    });
    await expect(issueClientCertificate({ ca, commonName: 'device-3', validityDays: 1, csrPem: 'junk' })).rejects.toMatchObject({ code: 'invalid-csr' });
  });

  it('is refused by openssl against another CA', async () => {
    const issued = await issueClientCertificate({ ca, commonName: 'device-5', validityDays: 1 });
    const other = await createCertificateAuthority({ commonName: 'Instance CA', validityDays: 365 });
    expect(opensslFailure(['verify', '-CAfile', tmp.write('other.pem', other.certPem), tmp.write('d5.pem', issued.certPem)])).toMatch(/error \d+ at 0 depth/);
  });

  describe('a real mTLS handshake on 127.0.0.1', () => {
    async function handshake(client: { cert: string; key: string }): Promise<{ authorized: boolean; peerCn: unknown }> {
      const server = await issueServerCertificate({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
      const tlsServer = createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true });
      const seen = new Promise<{ authorized: boolean; peerCn: unknown }>((resolve) =>
        tlsServer.on('secureConnection', (socket: TLSSocket) => {
          resolve({ authorized: socket.authorized, peerCn: socket.getPeerCertificate().subject.CN });
          socket.end('welcome');
        }),
      );
      tlsServer.listen(0, '127.0.0.1');
      await once(tlsServer, 'listening');
      const { port } = tlsServer.address() as AddressInfo;
      try {
        const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: ca.certPem, cert: client.cert, key: client.key });
        try {
          // With TLS 1.3 the server judges the client certificate after the client's handshake is
          // done: Node's server refuses by destroying the socket, so the client sees a close
          // (or an error) instead of the first data, and 'secureConnection' never fires.
          const first = await new Promise<Buffer | Error>((resolve) => {
            socket.once('data', resolve);
            socket.once('error', resolve);
            socket.once('close', () => resolve(new Error('closed before any data')));
          });
          if (first instanceof Error) return { authorized: false, peerCn: undefined };
          expect(first.toString()).toBe('welcome');
          expect(socket.authorized).toBe(true);
          return await seen;
        } finally {
          socket.destroy();
        }
      } finally {
        tlsServer.close();
      }
    }

    it('accepts a client certificate with a generated key', async () => {
      const issued = await issueClientCertificate({ ca, commonName: 'device-tls', validityDays: 1 });
      expect(await handshake({ cert: issued.certPem, key: issued.keyPem! })).toEqual({ authorized: true, peerCn: 'device-tls' });
    });

    it('accepts a client certificate issued for a device EC key from its CSR', async () => {
      const { keyFile } = osl.keyAndCsr('tls-ec', 'device-ec');
      const issued = await issueClientCertificate({ ca, commonName: 'device-ec', validityDays: 1, csrPem: tmp.read('tls-ec.csr') });
      expect(await handshake({ cert: issued.certPem, key: openssl(['pkey', '-in', keyFile]) })).toEqual({ authorized: true, peerCn: 'device-ec' });
    });

    it('refuses a client certificate from another CA', async () => {
      const other = await createCertificateAuthority({ commonName: 'Other CA', validityDays: 1 });
      const issued = await issueClientCertificate({ ca: other, commonName: 'intruder', validityDays: 1 });
      expect(await handshake({ cert: issued.certPem, key: issued.keyPem! })).toEqual({ authorized: false, peerCn: undefined });
    });
  });
});
