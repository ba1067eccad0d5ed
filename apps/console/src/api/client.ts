import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { clearSession, loadSession } from '../session';
import { ProblemError, problemOf } from './problem';

/** Adds the bearer token of the session; a 401 ends the session. */
const auth: Middleware = {
  onRequest({ request }) {
    const session = loadSession();
    if (session) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401 && loadSession()) {
      clearSession();
      window.dispatchEvent(new Event('mqc:signed-out'));
    }
    return response;
  },
};

/** The typed /v1 client: paths, parameters and bodies come from the generated OpenAPI types. */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** The data of an openapi-fetch answer, or its problem thrown. */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data: body, error, response } = await call;
  if (!response.ok) throw await problemOf(response, error);
  return body as T;
}

/**
 * An untyped /v1 call, for bodies openapi-fetch does not send (CSV text) and answers it does not
 * read (PEM text, a job's result).
 */
export async function call<T>(method: string, path: string, options: { body?: unknown; text?: string; contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  const session = loadSession();
  if (session) headers['authorization'] = `Bearer ${session.token}`;
  let body: string | undefined;
  if (options.text !== undefined) {
    body = options.text;
    headers['content-type'] = options.contentType ?? 'text/plain';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(path, { method, headers, body });
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? await response.json() : await response.text()) as T;
}

export { ProblemError };
