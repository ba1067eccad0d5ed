import { z } from 'zod';
import { PLACEHOLDERS, boundedInt, configObject, jsonTemplate, serviceUrl, template, timeoutMs } from '../../config/common';
import { guardedServiceUrl, secret } from '../../config/field-markers';
import { defineProvider } from '../../providers/provider';

/**
 * EMQX's HTTP authorization contract: GET or POST to a tenant URL with templates using
 * `${clientid}`, `${username}`, `${peerhost}`, `${topic}`, `${action}`, `${qos}`, `${retain}`
 * and the certificate placeholders; 204 allow, 200 `{"result": "allow"|"deny"|"ignore"}` that
 * result (`ignore` is no-match); anything else, a timeout or an unreadable answer fails closed.
 */
/** The authentication placeholders, and what is being authorized. */
export const HTTP_AUTHORIZER_PLACEHOLDERS = [...PLACEHOLDERS, 'topic', 'action', 'qos', 'retain'] as const;

export const httpAuthorizerConfigSchema = configObject('http', {
  method: z.enum(['GET', 'POST'], { error: 'method must be GET or POST' }).default('POST'),
  url: guardedServiceUrl(serviceUrl('url', ['https', 'http'])),
  headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'a header name must be an HTTP token' }), secret(template('header value', 8192, HTTP_AUTHORIZER_PLACEHOLDERS)), {
    error: 'headers must be an object of names and values',
  }).default({}),
  body: z.record(z.string(), jsonTemplate('body value', HTTP_AUTHORIZER_PLACEHOLDERS), { error: 'body must be an object' }).default({}),
  timeoutMs,
  /** Requests in flight at most, per broker node. */
  concurrency: boundedInt('concurrency', 1, 256).default(8),
  /** How long an answer is reused for the same client, action and topic; 0 asks every time. */
  cacheTtlSeconds: boundedInt('cacheTtlSeconds', 0, 3600).default(60),
});

export type HttpAuthorizerConfig = z.output<typeof httpAuthorizerConfigSchema>;

export const httpAuthorizer = defineProvider({
  type: 'http',
  method: 'http',
  perChain: 'many',
  config: httpAuthorizerConfigSchema,
});
