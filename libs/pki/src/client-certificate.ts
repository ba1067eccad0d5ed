import { OID } from './der';
import { type CertifiedKey, type SigningCa, buildLeafCertificate, commonNameAttribute, loadSigningCa, randomSerial, serialToHex, spkiFromPem, validity } from './certificate-builder';
import { readCsr } from './csr';
import { generateKeyPair, type KeyAlgorithm } from './key-pair';
import { PkiError } from './pki.error';

export interface IssuedClientCertificate {
  certPem: string;
  /** Present only when the key was generated here; a CSR's key never leaves the device. */
  keyPem?: string;
  /** As CertificateInfo.serialNumber and Node's X509Certificate.serialNumber. */
  serialNumber: string;
}

/**
 * A device (mTLS client) certificate, subject `CN=<commonName>`, clientAuth.
 *
 * With a CSR, the CA decides the identity: the CSR contributes its key only. A CSR that names a
 * CN must name `commonName` (else 'csr-cn-mismatch'); one without a CN is accepted. The rest of
 * the CSR's subject and any extensions it requests are ignored. SPEC 4.2 binds a device
 * certificate to a client id, its CN, so the issuer, not the device, must choose it.
 */
export async function issueClientCertificate(o: {
  ca: CertifiedKey | SigningCa;
  commonName: string;
  validityDays: number;
  csrPem?: string;
  /** The key made when there is no CSR; RSA 2048 unless told. */
  keyAlgorithm?: KeyAlgorithm;
}): Promise<IssuedClientCertificate> {
  // A bulk issuer loads (and checks) its CA once; a single issue passes the PEMs.
  const ca = 'keyPem' in o.ca ? loadSigningCa(o.ca) : o.ca;
  const subject = [commonNameAttribute(o.commonName)];
  const { notBefore, notAfter } = validity(o.validityDays, new Date(), ca.cert.info.notAfter);

  let spkiDer: Buffer;
  let keyPem: string | undefined;
  let keyType: string;
  if (o.csrPem !== undefined) {
    const csr = readCsr(o.csrPem);
    if (csr.commonName !== undefined && csr.commonName !== o.commonName) {
      throw new PkiError('csr-cn-mismatch', `the CSR asks for CN "${csr.commonName}", the certificate is for "${o.commonName}"`);
    }
    spkiDer = csr.spkiDer;
    keyType = csr.publicKey.asymmetricKeyType ?? 'unknown';
  } else {
    const algorithm = o.keyAlgorithm ?? 'rsa-2048';
    const keys = await generateKeyPair(algorithm);
    spkiDer = spkiFromPem(keys.publicKeyPem);
    keyPem = keys.privateKeyPem;
    keyType = algorithm === 'ec-p256' ? 'ec' : 'rsa';
  }

  const serial = randomSerial();
  const certPem = buildLeafCertificate(ca, { serial, subject, notBefore, notAfter, spkiDer, rsaKey: keyType === 'rsa', purpose: OID.clientAuth });
  return { certPem, ...(keyPem !== undefined ? { keyPem } : {}), serialNumber: serialToHex(serial) };
}
