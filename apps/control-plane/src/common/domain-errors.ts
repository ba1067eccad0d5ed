/**
 * Errors the services throw. They know nothing of HTTP; ProblemFilter maps each kind to a
 * status once (RFC 9457 problem details with a stable `code`).
 */
export type DomainErrorKind =
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'unsupported-media-type'
  | 'validation'
  | 'too-many-requests'
  | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ValidationError extends DomainError {
  constructor(readonly errors: FieldProblem[]) {
    super('validation', 'validation-failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
}

/** A missing resource and another tenant's resource answer alike (SPEC 1). */
export class NotFoundError extends DomainError {
  constructor(resource: string) {
    super('not-found', `${resource}-not-found`, `no such ${resource}`);
  }
}

/** Too many failed attempts from one source: 429 with `Retry-After`. */
export class RateLimitedError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too-many-requests', code, message, { retryAfterSeconds });
  }
}
