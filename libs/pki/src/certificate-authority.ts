import { OID, keyIdentifier, name } from './der';
import { type CertifiedKey, KEY_USAGE, buildCertificate, commonNameAttribute, ext, loadPrivateKey, randomSerial, spkiFromPem, validity } from './certificate-builder';
import { generateKeyPair } from './key-pair';

/** A self-signed root for one instance: RSA 2048, sha256WithRSAEncryption. */
export async function createCertificateAuthority(o: { commonName: string; organization?: string; validityDays: number }): Promise<CertifiedKey> {
  const subject = [
    ...(o.organization !== undefined ? [{ oid: OID.organizationName, value: o.organization }] : []),
    commonNameAttribute(o.commonName),
  ];
  const { notBefore, notAfter } = validity(o.validityDays);
  const keys = await generateKeyPair();
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
