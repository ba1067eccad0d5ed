import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_DOC = 'mqc:api-doc';

/** A request body that is not one JSON schema (e.g. CSV or JSON). */
export interface RawBodyDoc {
  description: string;
  content: Record<string, z.ZodType>;
}

/**
 * What the OpenAPI document says of a route, written beside the handler from the schemas the
 * handler validates with, so the document cannot drift from the code.
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  body?: z.ZodType | RawBodyDoc;
  query?: z.ZodObject;
  /** The success response body; omitted for 204. */
  response?: z.ZodType | { contentType: string; description: string };
  /** Problem statuses the route may answer besides 401 (and 404 on routes with ids). */
  problems?: number[];
}

export const ApiDoc = (doc: RouteDoc) => SetMetadata(API_DOC, doc);
