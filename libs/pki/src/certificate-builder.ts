// Assembles and signs X.509 v3 certificates for the CA, server and client issuers.
import { type KeyObject, createPrivateKey, createPublicKey, randomBytes, sign } from 'node:crypto';
import {
  type Asn1,
  OID,
  bitString,
  bool,
  explicit,
  extension,
  implicitPrimitive,
  integer,
  keyIdentifier,
  keyUsageBits,
  name,
  octetString,
  oid,
  parseDer,
  pemEncode,
  seq,
  ecdsaWithSha256,
  sha256WithRsa,
  time,
  toDer,
} from './der';
import { type DecodedCertificate, decodeCertificatePem, subjectKeyId } from './certificate-info';
import { PkiError } from './pki.error';

export interface CertifiedKey {
  certPem: string;
  keyPem: string;
}

/** A CA ready to sign: its certificate checked against its key. */
export interface SigningCa {
  cert: DecodedCertificate;
  key: KeyObject;
  keyId: Buffer;
}

// Tolerates clients whose clocks run a little behind the issuer's.
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
// RFC 5280 Appendix A: ub-common-name.
const MAX_COMMON_NAME = 64;

export function loadSigningCa(ca: CertifiedKey): SigningCa {
  const cert = decodeCertificatePem(ca.certPem, 'CA certificate');
  if (!cert.info.isCa) throw new PkiError('ca-not-a-ca', `CA certificate "${cert.info.subject}" has no basicConstraints CA:TRUE`);
  const key = loadPrivateKey(ca.keyPem, 'CA key');
  if (key.asymmetricKeyType !== 'rsa' && !(key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')) {
    throw new PkiError('unsupported-key', `CA key is ${key.asymmetricKeyType}; this PKI signs with RSA or EC P-256 only`);
  }
  const publicDer = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!publicDer.equals(cert.spkiDer)) throw new PkiError('ca-key-mismatch', 'CA key does not belong to the CA certificate');
  const now = new Date();
  if (cert.info.notAfter <= now) throw new PkiError('ca-expired', `CA certificate expired at ${cert.info.notAfter.toISOString()}`);
  return { cert, key, keyId: subjectKeyId(cert) ?? keyIdentifier(cert.spkiDer) };
}

export function loadPrivateKey(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new PkiError('malformed-key', `${what}: not a usable PEM private key (${(e as Error).message})`);
  }
}

export function spkiFromPem(publicKeyPem: string): Buffer {
  return createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
}

/** 16 random bytes, positive and DER-minimal: first byte in 0x01..0x7F (RFC 5280 4.1.2.2). */
export function randomSerial(): bigint {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f || 0x01;
  return BigInt(`0x${b.toString('hex')}`);
}

export function validity(validityDays: number, now = new Date(), notAfterLimit?: Date): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(validityDays) || validityDays < 1) {
    throw new PkiError('invalid-argument', `validityDays must be a positive integer, got ${validityDays}`);
  }
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const wanted = new Date(now.getTime() + validityDays * DAY_MS);
  // A certificate outliving its CA fails verification from that day on: end it with the CA.
  const notAfter = notAfterLimit !== undefined && notAfterLimit < wanted ? notAfterLimit : wanted;
  return { notBefore, notAfter };
}

export function commonNameAttribute(commonName: string): { oid: string; value: string } {
  if (typeof commonName !== 'string' || commonName.length === 0 || [...commonName].length > MAX_COMMON_NAME) {
    throw new PkiError('invalid-argument', `commonName must be 1 to ${MAX_COMMON_NAME} characters`);
  }
  return { oid: OID.commonName, value: commonName };
}

export const ext = {
  basicConstraints: (ca: boolean): Asn1 => extension(OID.basicConstraints, true, seq(ca ? [bool(true)] : [])),
  keyUsage: (bits: number[]): Asn1 => extension(OID.keyUsage, true, keyUsageBits(bits)),
  extKeyUsage: (purposes: string[]): Asn1 => extension(OID.extKeyUsage, false, seq(purposes.map(oid))),
  subjectKeyIdentifier: (keyId: Buffer): Asn1 => extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
  authorityKeyIdentifier: (keyId: Buffer): Asn1 => extension(OID.authorityKeyIdentifier, false, seq([implicitPrimitive(0, keyId)])),
  subjectAltName: (names: Asn1[]): Asn1 => extension(OID.subjectAltName, false, seq(names)),
};

export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/**
 * The signature algorithm of a signing key: sha256WithRSAEncryption (RSASSA-PKCS1-v1_5) for
 * RSA, ecdsa-with-SHA256 for EC P-256 (node:crypto signs ECDSA as the DER Ecdsa-Sig-Value X.509 wants).
 */
export function signatureAlgorithm(key: KeyObject): Asn1 {
  return key.asymmetricKeyType === 'ec' ? ecdsaWithSha256() : sha256WithRsa();
}

export function buildCertificate(o: {
  serial: bigint;
  issuerName: Asn1;
  signingKey: KeyObject;
  subject: { oid: string; value: string }[];
  notBefore: Date;
  notAfter: Date;
  spkiDer: Buffer;
  extensions: Asn1[];
}): string {
  const tbs = seq([
    explicit(0, integer(2n)), // v3
    integer(o.serial),
    signatureAlgorithm(o.signingKey),
    o.issuerName,
    seq([time(o.notBefore), time(o.notAfter)]),
    name(o.subject),
    parseDer(o.spkiDer),
    explicit(3, seq(o.extensions)),
  ]);
  const tbsDer = toDer(tbs);
  const signature = sign('sha256', tbsDer, o.signingKey);
  return pemEncode('CERTIFICATE', toDer(seq([tbs, signatureAlgorithm(o.signingKey), bitString(signature)])));
}

/**
 * An end-entity certificate the CA signs for one purpose (clientAuth or serverAuth): not a CA,
 * keyEncipherment only for an RSA key (RSA key transport; an EC key only signs, RFC 5480 3).
 */
export function buildLeafCertificate(
  ca: SigningCa,
  o: { serial: bigint; subject: { oid: string; value: string }[]; notBefore: Date; notAfter: Date; spkiDer: Buffer; rsaKey: boolean; purpose: string; altNames?: Asn1[] },
): string {
  return buildCertificate({
    serial: o.serial,
    issuerName: ca.cert.subjectName,
    signingKey: ca.key,
    subject: o.subject,
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    spkiDer: o.spkiDer,
    extensions: [
      ext.basicConstraints(false),
      ext.keyUsage(o.rsaKey ? [KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment] : [KEY_USAGE.digitalSignature]),
      ext.extKeyUsage([o.purpose]),
      ...(o.altNames ? [ext.subjectAltName(o.altNames)] : []),
      ext.subjectKeyIdentifier(keyIdentifier(o.spkiDer)),
      ext.authorityKeyIdentifier(ca.keyId),
    ],
  });
}

export function serialToHex(serial: bigint): string {
  const hex = serial.toString(16).toUpperCase();
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}
