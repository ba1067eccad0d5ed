import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertifiedKey, createCertificateAuthority, isSignedBy, issueServerCertificate, parseCertificate } from './index';
import { type Scratch, openssl, opensslFailure, scratch } from './openssl.spec-helper';

describe('issueServerCertificate', () => {
  let tmp: Scratch;
  let ca: CertifiedKey;
  let server: CertifiedKey;

  beforeAll(async () => {
    tmp = scratch();
    ca = await createCertificateAuthority({ commonName: 'MQC CA', validityDays: 365 });
    server = await issueServerCertificate({
      ca,
      commonName: 'i-42.mqc.example',
      dnsNames: ['i-42.mqc.example', '*.i-42.mqc.example', 'localhost'],
      ipAddresses: ['127.0.0.1', '::1', '2001:db8::ffff:192.0.2.1', 'fe80:0:0:0:0:0:0:9'],
      validityDays: 90,
    });
    tmp.write('ca.pem', ca.certPem);
    tmp.write('server.pem', server.certPem);
  });
  afterAll(() => tmp.remove());

  it('chains to the CA for openssl, as a TLS server certificate', () => {
    expect(openssl(['verify', '-purpose', 'sslserver', '-CAfile', tmp.path('ca.pem'), tmp.path('server.pem')])).toContain(': OK');
    expect(isSignedBy(server.certPem, ca.certPem)).toBe(true);
  });

  it('does not chain to another CA', async () => {
    const other = await createCertificateAuthority({ commonName: 'MQC CA', validityDays: 365 });
    tmp.write('other.pem', other.certPem);
    expect(opensslFailure(['verify', '-CAfile', tmp.path('other.pem'), tmp.path('server.pem')])).toMatch(/error/);
    expect(isSignedBy(server.certPem, other.certPem)).toBe(false);
  });

  it('carries the SANs, serverAuth, CA:FALSE and the authority key identifier (openssl x509 -text)', () => {
    const text = openssl(['x509', '-in', tmp.path('server.pem'), '-text', '-noout']);
    expect(text).toContain('DNS:i-42.mqc.example, DNS:*.i-42.mqc.example, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:2001:DB8:0:0:0:FFFF:C000:201, IP Address:FE80:0:0:0:0:0:0:9');
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    // An EC key signs only: no keyEncipherment.
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('NIST CURVE: P-256');
    const caSki = /Subject Key Identifier:\s+(\S+)/.exec(openssl(['x509', '-in', tmp.path('ca.pem'), '-text', '-noout']))![1];
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caSki}`));
  });

  it('matches hosts and IPs the way Node checks them', () => {
    const x509 = new X509Certificate(server.certPem);
    expect(x509.checkHost('i-42.mqc.example')).toBe('i-42.mqc.example');
    expect(x509.checkHost('ws.i-42.mqc.example')).toBe('*.i-42.mqc.example');
    expect(x509.checkHost('i-43.mqc.example')).toBeUndefined();
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
  });

  it('serves one-way TLS that Node accepts by hostname and by IP', async () => {
    const tlsServer = createServer({ cert: server.certPem, key: server.keyPem }, (socket) => socket.end('hello'));
    tlsServer.listen(0, '127.0.0.1');
    await once(tlsServer, 'listening');
    const { port } = tlsServer.address() as AddressInfo;
    try {
      for (const servername of ['localhost', undefined]) {
        const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem, ...(servername ? { servername } : {}) });
        await once(socket, 'secureConnect');
        expect(socket.authorized).toBe(true);
        const [data] = (await once(socket, 'data')) as [Buffer];
        expect(data.toString()).toBe('hello');
        socket.destroy();
      }
    } finally {
      tlsServer.close();
    }
  });

  it('ends the certificate with its CA rather than outliving it', async () => {
    const shortCa = await createCertificateAuthority({ commonName: 'short', validityDays: 10 });
    const cert = await issueServerCertificate({ ca: shortCa, commonName: 'x', dnsNames: ['x.example'], ipAddresses: [], validityDays: 90 });
    expect(parseCertificate(cert.certPem).notAfter).toEqual(parseCertificate(shortCa.certPem).notAfter);
  });

  it('refuses bad names, no SANs, a key that is not the CA key, a leaf as CA', async () => {
    const base = { ca, commonName: 'x', dnsNames: ['x.example'], ipAddresses: [], validityDays: 1 };
    await expect(issueServerCertificate({ ...base, dnsNames: ['bad name'] })).rejects.toMatchObject({ code: 'invalid-argument' });
    for (const ip of ['300.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', '::g', 'localhost']) {
      await expect(issueServerCertificate({ ...base, ipAddresses: [ip] })).rejects.toMatchObject({ code: 'invalid-argument' });
    }
    await expect(issueServerCertificate({ ...base, dnsNames: [] })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(issueServerCertificate({ ...base, ca: { certPem: ca.certPem, keyPem: server.keyPem } })).rejects.toMatchObject({ code: 'ca-key-mismatch' });
    await expect(issueServerCertificate({ ...base, ca: server })).rejects.toMatchObject({ code: 'ca-not-a-ca' });
    await expect(issueServerCertificate({ ...base, ca: { certPem: ca.certPem, keyPem: 'nope' } })).rejects.toMatchObject({ code: 'malformed-key' });
  });
});
