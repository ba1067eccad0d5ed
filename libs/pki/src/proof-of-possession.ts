import { type DecodedCertificate, allowsKeyCertSign, decodeCertificatePem, signedBy } from './certificate-info';
import { PkiError } from './pki.error';

/**
 * SPEC 4.2, registering a tenant CA: the tenant proves it holds the CA's key by submitting a
 * verification certificate whose CN is the registration code we handed out, signed by that key.
 * Returns quietly when the proof holds; otherwise throws PkiError saying which check failed.
 */
export function verifyProofOfPossession(o: { caCertPem: string; verificationCertPem: string; registrationCode: string; now?: Date }): void {
  const now = o.now ?? new Date();
  const ca = decodeCertificatePem(o.caCertPem, 'CA certificate');
  const verification = decodeCertificatePem(o.verificationCertPem, 'verification certificate');

  if (!ca.info.isCa) throw new PkiError('ca-not-a-ca', `"${ca.info.subject}" has no basicConstraints CA:TRUE`);
  if (keyCertSign(ca) === false) throw new PkiError('ca-not-a-ca', `"${ca.info.subject}" has a keyUsage without keyCertSign`);
  checkValidity(ca, now, 'ca-expired', 'ca-not-yet-valid', 'CA certificate');

  const cn = verification.info.commonName;
  if (cn !== o.registrationCode) {
    throw new PkiError('verification-cn-mismatch', `verification certificate CN is ${cn === undefined ? 'absent' : `"${cn}"`}, expected the registration code "${o.registrationCode}"`);
  }
  if (!signedBy(verification, ca)) {
    throw new PkiError('verification-not-signed-by-ca', `verification certificate (issuer "${verification.info.issuer}") is not signed by the key of CA "${ca.info.subject}"`);
  }
  checkValidity(verification, now, 'verification-expired', 'verification-not-yet-valid', 'verification certificate');
}

function keyCertSign(ca: DecodedCertificate): boolean | undefined {
  try {
    return allowsKeyCertSign(ca);
  } catch (e) {
    throw new PkiError('malformed-certificate', `CA certificate: unreadable keyUsage (${(e as Error).message})`);
  }
}

function checkValidity(
  cert: DecodedCertificate,
  now: Date,
  expired: 'ca-expired' | 'verification-expired',
  notYetValid: 'ca-not-yet-valid' | 'verification-not-yet-valid',
  what: string,
): void {
  if (now > cert.info.notAfter) throw new PkiError(expired, `${what} expired at ${cert.info.notAfter.toISOString()}`);
  if (now < cert.info.notBefore) throw new PkiError(notYetValid, `${what} is not valid before ${cert.info.notBefore.toISOString()}`);
}
