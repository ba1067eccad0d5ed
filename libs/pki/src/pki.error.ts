/** Why a PKI operation refused its input. Callers map these codes to API errors once. */
export type PkiErrorCode =
  | 'invalid-argument'
  | 'malformed-certificate'
  | 'malformed-key'
  | 'invalid-csr'
  | 'csr-cn-mismatch'
  | 'ca-key-mismatch'
  | 'unsupported-key'
  | 'ca-not-a-ca'
  | 'ca-expired'
  | 'ca-not-yet-valid'
  | 'verification-cn-mismatch'
  | 'verification-not-signed-by-ca'
  | 'verification-expired'
  | 'verification-not-yet-valid';

export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
