import { OID, keyIdentifier, name } from './der';
import { type CertifiedKey, KEY_USAGE, buildCertificate, commonNameAttribute, ext, loadPrivateKey, randomSerial, spkiFromPem, validity } from './certificate-builder';
import { generateKeyPair, type KeyAlgorithm } from './key-pair';

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
  const keys = await generateKeyPair(o.keyAlgorithm ?? 'ec-p256');
  const spkiDer = spkiFromPem(keys.publicKeyPem);
  const keyId = keyIdentifier(spkiDer);
  const certPem = buildCertificate({
    serial: randomSerial(),
    issuerName: name(subject),
    signingKey: loadPrivateKey(keys.privateKeyPem, 'CA key'),
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
