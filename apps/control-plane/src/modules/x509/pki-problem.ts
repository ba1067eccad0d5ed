import type { PkiError } from '@mqc/pki';
import { DomainError } from '../../common/domain-errors';

/** A 422 about one field whose `code` is the precise reason (e.g. `ca-expired`), with the field named as in every 422. */
export function fieldRefusal(code: string, field: string, message: string): DomainError {
  return new DomainError('validation', code, `${field}: ${message}`, { errors: [{ field, message }] });
}

/** A PKI refusal of the tenant's input: the PkiError code is the problem's `code`. */
export function pkiRefusal(error: PkiError, field: string): DomainError {
  return fieldRefusal(error.code, field, error.message);
}
