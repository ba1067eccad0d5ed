export { generateKeyPair, type KeyPairPem } from './key-pair';
export type { CertifiedKey } from './certificate-builder';
export { createCertificateAuthority } from './certificate-authority';
export { issueServerCertificate } from './server-certificate';
export { parseCertificate, parseCertificates, isSignedBy, type CertificateInfo } from './certificate-info';
export { PkiError, type PkiErrorCode } from './pki.error';
