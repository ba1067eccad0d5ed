import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, type DomainErrorKind } from './domain-errors';

const STATUS: Readonly<Record<DomainErrorKind, number>> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'unsupported-media-type': 415,
  validation: 422,
  unavailable: 503,
};

const TITLE: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Every error leaves as `application/problem+json` (RFC 9457) with a stable `code`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, code, detail, extra } = this.describe(error);
    if (status >= 500) this.logger.error({ err: error }, 'request failed');
    response
      .status(status)
      .type('application/problem+json')
      .send(JSON.stringify({ type: `https://mqc.dev/problems/${code}`, title: TITLE[status] ?? 'Error', status, code, detail, ...extra }));
  }

  private describe(error: unknown): { status: number; code: string; detail: string; extra: Record<string, unknown> } {
    if (error instanceof DomainError) {
      return { status: STATUS[error.kind], code: error.code, detail: error.message, extra: error.extra };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      // Body-parser failures arrive as HttpExceptions from Nest's adapter.
      const code = status === 404 ? 'route-not-found' : status === 413 ? 'body-too-large' : status === 400 ? 'malformed-body' : `http-${status}`;
      return { status, code, detail: error.message, extra: {} };
    }
    const parseError = error as { type?: string; status?: number; message?: string };
    if (parseError.type === 'entity.parse.failed') {
      return { status: 400, code: 'malformed-json', detail: `the body is not valid JSON: ${parseError.message}`, extra: {} };
    }
    if (parseError.type === 'entity.too.large') {
      return { status: 413, code: 'body-too-large', detail: 'the body is larger than allowed', extra: {} };
    }
    return { status: 500, code: 'internal', detail: 'internal error', extra: {} };
  }
}
