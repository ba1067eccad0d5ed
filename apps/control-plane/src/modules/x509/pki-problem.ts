import { PkiError, type PkiErrorCode } from '@mqc/pki';
import { DomainError } from '../../common/domain-errors';

const CONFLICTS: ReadonlySet<PkiErrorCode> = new Set(['ca-expired', 'ca-not-yet-valid', 'ca-key-mismatch']);

/**
 * A PKI refusal of the tenant's input as a 422 naming the field and the precise reason (the
 * PkiError code is the problem's `code`); anything else passes through unchanged.
 */
export function pkiProblem(error: unknown, field: string): unknown {
  if (!(error instanceof PkiError)) return error;
  if (CONFLICTS.has(error.code) && field === '(instance CA)') return new DomainError('conflict', error.code, error.message);
  return new DomainError('validation', error.code, `${field}: ${error.message}`, { errors: [{ field, message: error.message }] });
}
