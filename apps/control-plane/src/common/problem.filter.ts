import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { DomainError, RateLimitedError, type DomainErrorKind } from './domain-errors';
import { DEFAULT_BODY_LIMIT, hasBody } from './request-body';

const STATUS: Readonly<Record<DomainErrorKind, number>> = {
  'bad-request': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'unsupported-media-type': 415,
  validation: 422,
  'too-many-requests': 429,
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
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * A refused request whose body was left unread (refused before the body reader, or beyond its
 * limit): Node would read and discard the rest to keep the connection. A small rest is cheap
 * to discard; a large or unbounded one is not read at all: the connection closes instead.
 */
function closeIfBodyUnread(request: Request, response: Response): void {
  if (request.complete || !hasBody(request)) return;
  const declared = Number(request.headers['content-length']);
  if (!(declared <= DEFAULT_BODY_LIMIT)) response.setHeader('connection', 'close');
}

/** Every error leaves as `application/problem+json` (RFC 9457) with a stable `code`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, code, detail, extra } = this.describe(error);
    if (status >= 500) this.logger.error({ err: error }, 'request failed');
    if (error instanceof RateLimitedError) response.setHeader('retry-after', String(error.retryAfterSeconds));
    closeIfBodyUnread(host.switchToHttp().getRequest<Request>(), response);
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
      // Nest's router turns a path parameter it cannot percent-decode (e.g. %ED%A0%80) into a 400.
      const code = status === 404 ? 'route-not-found' : status === 400 ? 'malformed-path' : `http-${status}`;
      return { status, code, detail: error.message, extra: {} };
    }
    return { status: 500, code: 'internal', detail: 'internal error', extra: {} };
  }
}
