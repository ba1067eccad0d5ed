import { X509Certificate, createHash } from 'node:crypto';
import forge from 'node-forge';
import { type Asn1, OID, bytes, children, expectUniversal, nameAttributes, parseDer, pemDecodeAll, readOid, readTime, serialHex, toDer } from './der';
import { PkiError } from './pki.error';

const T = forge.asn1.Type;

export interface CertificateInfo {
  /** Node's X509Certificate.subject format: `C=SE\nO=Acme\nCN=dev-1`, in certificate order. */
  subject: string;
  /** The last CN of the subject (the most specific, as Go's pkix does); undefined when there is none. */
  commonName: string | undefined;
  issuer: string;
  /** Upper-case hex, as Node's X509Certificate.serialNumber (OpenSSL BN_bn2hex): `0A1B`, never `000A1B`. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, upper-case hex pairs joined by colons, as Node's X509Certificate.fingerprint256. */
  fingerprint256: string;
  /** basicConstraints cA is true. */
  isCa: boolean;
  publicKeyPem: string;
}

/** A parsed certificate with the raw parts the builders and checks of this lib need. */
export interface DecodedCertificate {
  der: Buffer;
  x509: X509Certificate;
  info: CertificateInfo;
  subjectName: Asn1;
  spkiDer: Buffer;
  extensions: Map<string, { critical: boolean; value: Buffer }>;
}

export function parseCertificate(pem: string): CertificateInfo {
  return decodeCertificatePem(pem).info;
}

export function parseCertificates(pemBundle: string): CertificateInfo[] {
  return certificateBlocks(pemBundle).map((der, i) => decodeCertificateDer(der, `certificate #${i + 1} of the bundle`).info);
}

/** The signature of `certPem` verifies with the public key of `issuerCertPem`, whose subject is its issuer. */
export function isSignedBy(certPem: string, issuerCertPem: string): boolean {
  return signedBy(decodeCertificatePem(certPem), decodeCertificatePem(issuerCertPem, 'issuer certificate'));
}

export function signedBy(cert: DecodedCertificate, issuer: DecodedCertificate): boolean {
  // checkIssued compares names the way OpenSSL does (canonical form) and the key identifiers;
  // verify checks the signature itself.
  return cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.x509.publicKey);
}

/** Exactly one certificate, or PkiError('malformed-certificate') saying what is wrong with the input. */
export function decodeCertificatePem(pem: string, what = 'certificate'): DecodedCertificate {
  const blocks = certificateBlocks(pem, what);
  if (blocks.length > 1) throw new PkiError('malformed-certificate', `${what}: expected one certificate, found ${blocks.length}`);
  return decodeCertificateDer(blocks[0]!, what);
}

function certificateBlocks(text: string, what = 'certificate bundle'): Buffer[] {
  if (typeof text !== 'string') throw new PkiError('malformed-certificate', `${what}: expected a PEM string`);
  const blocks = pemDecodeAll(text, 'malformed-certificate', `${what}: `);
  if (blocks.length === 0) throw new PkiError('malformed-certificate', `${what}: no "-----BEGIN CERTIFICATE-----" PEM block found`);
  return blocks.map((block, i) => {
    if (block.label !== 'CERTIFICATE') {
      throw new PkiError('malformed-certificate', `${what}: PEM block #${i + 1} is "${block.label}", expected "CERTIFICATE"`);
    }
    return block.der;
  });
}

export function decodeCertificateDer(der: Buffer, what = 'certificate'): DecodedCertificate {
  let parts: ReturnType<typeof readStructure>;
  let x509: X509Certificate;
  try {
    parts = readStructure(der);
    x509 = new X509Certificate(der);
  } catch (e) {
    throw new PkiError('malformed-certificate', `${what}: not a DER X.509 certificate (${(e as Error).message})`);
  }
  const info: CertificateInfo = {
    subject: x509.subject,
    commonName: nameAttributes(parts.subjectName, OID.commonName).at(-1),
    issuer: x509.issuer,
    serialNumber: serialHex(parts.serial),
    notBefore: parts.notBefore,
    notAfter: parts.notAfter,
    fingerprint256: fingerprint256(der),
    isCa: x509.ca,
    publicKeyPem: x509.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
  return { der, x509, info, subjectName: parts.subjectName, spkiDer: parts.spkiDer, extensions: parts.extensions };
}

// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
// TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer,
//   validity, subject, subjectPublicKeyInfo, [1] [2] OPTIONAL, [3] extensions OPTIONAL }
function readStructure(der: Buffer) {
  const certificate = children(expectUniversal(parseDer(der), T.SEQUENCE, 'Certificate'));
  if (certificate.length !== 3) throw new Error('Certificate: expected 3 elements');
  const tbs = children(expectUniversal(certificate[0], T.SEQUENCE, 'TBSCertificate'));
  const offset = tbs[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && tbs[0].type === 0 ? 1 : 0;
  const serial = bytes(expectUniversal(tbs[offset], T.INTEGER, 'serialNumber'));
  const validity = children(expectUniversal(tbs[offset + 3], T.SEQUENCE, 'validity'));
  const subjectName = expectUniversal(tbs[offset + 4], T.SEQUENCE, 'subject');
  const spki = expectUniversal(tbs[offset + 5], T.SEQUENCE, 'subjectPublicKeyInfo');
  const extensions = new Map<string, { critical: boolean; value: Buffer }>();
  const extensionsNode = tbs.slice(offset + 6).find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 3);
  if (extensionsNode !== undefined) {
    for (const ext of children(expectUniversal(children(extensionsNode)[0], T.SEQUENCE, 'extensions'))) {
      const fields = children(ext);
      const critical = fields.length === 3 && bytes(fields[1]!)[0] !== 0;
      extensions.set(readOid(fields[0]!), { critical, value: bytes(expectUniversal(fields.at(-1), T.OCTETSTRING, 'extnValue')) });
    }
  }
  if (validity.length !== 2) throw new Error('validity: expected notBefore and notAfter');
  return { serial, notBefore: readTime(validity[0]!), notAfter: readTime(validity[1]!), subjectName, spkiDer: toDer(spki), extensions };
}

export function fingerprint256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** The subjectKeyIdentifier extension's key id, if present. */
export function subjectKeyId(cert: DecodedCertificate): Buffer | undefined {
  const ext = cert.extensions.get(OID.subjectKeyIdentifier);
  return ext === undefined ? undefined : bytes(expectUniversal(parseDer(ext.value), T.OCTETSTRING, 'subjectKeyIdentifier'));
}

/** Whether keyUsage allows keyCertSign; undefined when the certificate has no keyUsage extension. */
export function allowsKeyCertSign(cert: DecodedCertificate): boolean | undefined {
  const ext = cert.extensions.get(OID.keyUsage);
  if (ext === undefined) return undefined;
  const bits = bytes(expectUniversal(parseDer(ext.value), T.BITSTRING, 'keyUsage'));
  return ((bits[1] ?? 0) & 0x04) !== 0; // bit 5, after the unused-bits octet
}
