import { z } from 'zod';
import { boundedInt, configObject, jsonTemplate, serviceUrl, template, timeoutMs } from '../config/common';
import { guardedServiceUrl, secret } from '../config/field-markers';
import { defineProvider } from './provider';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the HTTP client sets itself. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive']);

const headerName = z
  .string()
  .regex(TOKEN, { error: 'a header name must be an HTTP token' })
  .refine((name) => !RESERVED_HEADERS.has(name.toLowerCase()), { error: 'this header is set by the client and cannot be configured' });

/**
 * SPEC 4.4: GET or POST to a tenant URL, with headers and a body template. Response
 * contract: 204 allow; 200 with `{"result": "allow"|"deny"|"ignore", "is_superuser",
 * "expire_at"}`; anything else is a backend failure.
 */
export const httpConfigSchema = configObject('http', {
  method: z.enum(['GET', 'POST'], { error: 'method must be GET or POST' }).default('POST'),
  url: guardedServiceUrl(serviceUrl('url', ['https', 'http'])),
  /** Header values are secret (API keys, basic credentials) and may hold placeholders. */
  headers: z.record(headerName, secret(template('header value', 8192)), { error: 'headers must be an object of names and values' }).default({}),
  /** JSON for POST, query parameters for GET; strings may hold placeholders. */
  body: z.record(z.string(), jsonTemplate('body value'), { error: 'body must be an object' }).default({}),
  timeoutMs,
  /** Requests in flight at most, per broker node. */
  concurrency: boundedInt('concurrency', 1, 256).default(8),
});

export type HttpConfig = z.output<typeof httpConfigSchema>;

export const httpProvider = defineProvider({
  type: 'http',
  method: 'http',
  perChain: 'many',
  config: httpConfigSchema,
});
