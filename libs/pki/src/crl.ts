import { sign } from 'node:crypto';
import { OID, bitString, explicit, extension, integer, pemEncode, seq, time, toDer } from './der';
import { type CertifiedKey, ext, loadSigningCa, signatureAlgorithm } from './certificate-builder';
import { PkiError } from './pki.error';

const HEX_SERIAL = /^(?:[0-9A-F]{2})*[0-9A-F]{1,2}$/i;

/**
 * A PEM X.509 v2 CRL (RFC 5280 5.1) signed by the CA (sha256WithRSA or ecdsa-with-SHA256), with authorityKeyIdentifier
 * and cRLNumber. node-forge has no CRL builder; the ASN.1 is written here.
 * Serial numbers are written as CertificateInfo.serialNumber writes them (hex, case-insensitive).
 */
export function createCrl(o: {
  ca: CertifiedKey;
  revoked: { serialNumber: string; revokedAt: Date }[];
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
}): string {
  const ca = loadSigningCa(o.ca);
  if (!Number.isSafeInteger(o.crlNumber) || o.crlNumber < 0) {
    throw new PkiError('invalid-argument', `crlNumber must be a non-negative integer, got ${o.crlNumber}`);
  }
  if (!(o.nextUpdate > o.thisUpdate)) throw new PkiError('invalid-argument', 'nextUpdate must be after thisUpdate');
  const entries = o.revoked.map((r) => {
    if (!HEX_SERIAL.test(r.serialNumber)) throw new PkiError('invalid-argument', `"${r.serialNumber}" is not a hex serial number`);
    return seq([integer(BigInt(`0x${r.serialNumber}`)), time(r.revokedAt)]);
  });

  // TBSCertList ::= SEQUENCE { version v2, signature, issuer, thisUpdate, nextUpdate,
  //   revokedCertificates SEQUENCE OF ... OPTIONAL, crlExtensions [0] EXPLICIT Extensions }
  const tbs = seq([
    integer(1n), // v2
    signatureAlgorithm(ca.key),
    ca.cert.subjectName,
    time(o.thisUpdate),
    time(o.nextUpdate),
    // RFC 5280 5.1.2.6: an empty list is absent, not an empty SEQUENCE.
    ...(entries.length > 0 ? [seq(entries)] : []),
    explicit(
      0,
      seq([
        ext.authorityKeyIdentifier(ca.keyId),
        extension(OID.cRLNumber, false, integer(BigInt(o.crlNumber))),
      ]),
    ),
  ]);
  const signature = sign('sha256', toDer(tbs), ca.key);
  return pemEncode('X509 CRL', toDer(seq([tbs, signatureAlgorithm(ca.key), bitString(signature)])));
}
