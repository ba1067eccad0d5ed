import { Injectable, SetMetadata, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, switchMap, type Observable } from 'rxjs';
import { z } from 'zod';
import { API_DOC, type RouteDoc } from './api-doc';
import { DEFAULT_BODY_LIMIT, acceptedMediaType, hasBody, readBody, type BodyRule } from './request-body';

const BODY_LIMIT = 'mqc:body-limit';

/** A route that takes bodies above DEFAULT_BODY_LIMIT (the user import alone). */
export const BodyLimit = (bytes: number) => SetMetadata(BODY_LIMIT, bytes);

/** The request as the handlers see it: the parsed body, and the text it was parsed from. */
export interface RequestWithBody extends Request {
  bodyText?: string;
  /** The media type the body was read as: `application/json` (for any JSON type), `text/csv` or `text/plain`. */
  bodyMediaType?: string;
}

function ruleOf(context: ExecutionContext): BodyRule | undefined {
  const handler = context.getHandler();
  const body = (Reflect.getMetadata(API_DOC, handler) as RouteDoc | undefined)?.body;
  if (!body) return undefined;
  const mediaTypes = body instanceof z.ZodType ? ['application/json'] : Object.keys(body.content);
  const limit = (Reflect.getMetadata(BODY_LIMIT, handler) as number | undefined) ?? DEFAULT_BODY_LIMIT;
  return { mediaTypes, limit };
}

/**
 * The one body reader of the API (Nest's body parsers are off). Interceptors run after the
 * guards, so a body is read only once its sender has authenticated: an anonymous or
 * throttled request is answered before a byte of its body is read. A route takes the media
 * types its @ApiDoc body names (415 otherwise) and at most its limit (413); JSON nested
 * deeper than MAX_JSON_DEPTH is refused before it is parsed (400). A body sent to a route
 * that takes none is left unread.
 */
@Injectable()
export class RequestBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<RequestWithBody>();
    const rule = ruleOf(context);
    // No body and no type: nothing to read. An empty body with a type is read (an empty CSV is a file).
    if (!rule || (!hasBody(request) && request.headers['content-type'] === undefined)) return next.handle();
    const mediaType = acceptedMediaType(request, rule);
    return from(readBody(request, rule, mediaType)).pipe(
      switchMap((read) => {
        request.body = read.value;
        request.bodyText = read.text;
        request.bodyMediaType = read.mediaType;
        return next.handle();
      }),
    );
  }
}
