import { OID, keyIdentifier, name } from './der';
import { type CertifiedKey, KEY_USAGE, buildCertificate, commonNameAttribute, ext, randomSerial, validity } from './certificate-builder';
import { generateSigningKeyPair, type KeyAlgorithm } from './key-pair';

/**
 * A self-signed root for one instance: EC P-256 with ecdsa-with-SHA256 unless asked for RSA 2048
 * (an EC key takes well under a millisecond to make, an RSA one a tenth of a second and more).
 */
export async function createCertificateAuthority(o: { commonName: string; organization?: string; validityDays: number; keyAlgorithm?: KeyAlgorithm }): Promise<CertifiedKey> {
  const subject = [
    ...(o.organization !== undefined ? [{ oid: OID.organizationName, value: o.organization }] : []),
    commonNameAttribute(o.commonName),
  ];
  const { notBefore, notAfter } = validity(o.validityDays);
  const keys = await generateSigningKeyPair(o.keyAlgorithm ?? 'ec-p256');
  const { spkiDer } = keys;
  const keyId = keyIdentifier(spkiDer);
  const certPem = buildCertificate({
    serial: randomSerial(),
    issuerName: name(subject),
    signingKey: keys.privateKey,
    subject,
    notBefore,
    notAfter,
    spkiDer,
    extensions: [
      ext.basicConstraints(true),
      ext.keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
      ext.subjectKeyIdentifier(keyId),
      ext.authorityKeyIdentifier(keyId),
    ],
  });
  return { certPem, keyPem: keys.privateKeyPem };
}
