import { request, type Agent, type Dispatcher } from 'undici';
import { type AllowList, type HttpConfig, renderTemplate, type Resolver } from '@mqc/auth';
import { createGuardedAgent, readBodyCapped } from '../jwks/outbound-http';

// The HTTP side shared by the HTTP authenticator and the HTTP authorizer: requests built from
// templates, the private-address guard, no redirects, a concurrency bound, a response size cap.

export interface TemplatedHttpOptions {
  /** The operator's outbound allow-list (MQC_OUTBOUND_ALLOW). */
  outboundAllowList?: AllowList | readonly string[];
  /** Name resolution for the private-address guard (tests); the system resolver by default. */
  resolve?: Resolver;
  /** Default 64 KiB. */
  maxResponseBytes?: number;
}

/** What a templated request is built from: the HTTP authenticator's and authorizer's common fields. */
export type TemplatedHttpConfig = Pick<HttpConfig, 'method' | 'url' | 'headers' | 'body' | 'timeoutMs' | 'concurrency'>;

/** The values of the placeholders a template may use (every known name present, absent ones undefined). */
export type TemplateValues = Readonly<Record<string, string | undefined>>;

/** The HTTP service broke the contract or could not be reached: a backend failure. */
export class HttpAuthError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpAuthError';
  }
}

/** A contract answer: 204, or 200 with a JSON body. Anything else throws HttpAuthError. */
export type HttpAnswer = { status: 204 } | { status: 200; json: unknown };

const FORM = 'application/x-www-form-urlencoded';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function renderJson(node: unknown, values: TemplateValues): Json {
  if (typeof node === 'string') return renderTemplate(node, values);
  if (Array.isArray(node)) return node.map((item) => renderJson(item, values));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, renderJson(item, values)]));
  }
  return typeof node === 'number' || typeof node === 'boolean' ? node : null;
}

/** A query or form field: strings as they are, other JSON as its text. */
function fieldText(value: Json): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function formOf(body: Json): URLSearchParams {
  const form = new URLSearchParams();
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body)) form.append(key, fieldText(value));
  }
  return form;
}

/**
 * A header value as bytes on the wire: UTF-8 (a `Zoë` username arrives as its UTF-8 bytes);
 * control characters (CR, LF, NUL…) are refused, so client data cannot add headers.
 */
function headerValue(text: string): string | undefined {
  const wire = Buffer.from(text, 'utf8').toString('latin1');
  for (let i = 0; i < wire.length; i++) {
    const code = wire.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return undefined;
  }
  return wire;
}

/** Counting semaphore whose waiters give up when their signal aborts. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.active < this.limit) this.active++;
    else {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(grant);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal.reason);
        };
        this.waiting.push(grant);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }
}

interface BuiltRequest {
  url: string;
  options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string };
}

interface BuiltRequest {
  url: string;
  options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string };
}

/**
 * A GET (body fields become query parameters) or a POST (JSON body, or a form when the
 * configured content-type says so) to the tenant's URL, with placeholders rendered in headers,
 * body and the URL's path and query. Every new connection goes through the private-address
 * guard; `concurrency` requests at most are in flight, the others wait, and `timeoutMs` bounds
 * the wait and the request.
 */
export class TemplatedHttpClient {
  private readonly agent: Agent;
  private readonly slots: Semaphore;
  private readonly maxBytes: number;
  private readonly target: { base: string; pathAndQuery: string; basicAuth?: string };
  private readonly form: boolean;

  constructor(
    private readonly config: TemplatedHttpConfig,
    options: TemplatedHttpOptions = {},
  ) {
    this.agent = createGuardedAgent({ allowList: options.outboundAllowList ?? [], timeoutMs: config.timeoutMs, connections: config.concurrency, resolve: options.resolve });
    this.slots = new Semaphore(config.concurrency);
    this.maxBytes = options.maxResponseBytes ?? 64 * 1024;
    this.target = splitUrl(config.url);
    this.form = Object.entries(config.headers).some(([name, value]) => name.toLowerCase() === 'content-type' && value.toLowerCase().includes(FORM));
  }

  /** The origin, for messages. */
  get where(): string {
    return this.target.base;
  }

  /**
   * Sends the request rendered with `values`. `refused` when client data cannot go into a
   * header; throws HttpAuthError for any other status, a redirect, a transport error, a
   * timeout, a body over the size cap or a 200 whose body is not JSON.
   */
  async call(values: TemplateValues): Promise<HttpAnswer | { refused: string }> {
    const built = this.build(values);
    if ('refused' in built) return built;
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    const where = this.target.base;
    let release: (() => void) | undefined;
    try {
      release = await this.slots.acquire(signal);
      const response = await request(built.url, { ...built.options, dispatcher: this.agent, signal });
      return await this.read(response);
    } catch (error) {
      if (error instanceof HttpAuthError) throw error;
      if (signal.aborted) throw new HttpAuthError(`HTTP ${where}: no answer within ${this.config.timeoutMs} ms`, { cause: error });
      const why = error instanceof Error ? error.message : String(error);
      throw new HttpAuthError(`HTTP ${where}: ${why}`, { cause: error });
    } finally {
      release?.();
    }
  }

  private build(values: TemplateValues): BuiltRequest | { refused: string } {
    const headers: Record<string, string> = {};
    for (const [name, template] of Object.entries(this.config.headers)) {
      const value = headerValue(renderTemplate(template, values));
      if (value === undefined) return { refused: `client data holds characters not allowed in the ${name} header` };
      headers[name.toLowerCase()] = value;
    }
    if (this.target.basicAuth && !headers.authorization) headers.authorization = this.target.basicAuth;
    headers.accept ??= 'application/json';

    let url = this.target.base + renderTemplate(this.target.pathAndQuery, values, encodeURIComponent);
    const body = renderJson(this.config.body, values);
    if (this.config.method === 'GET') {
      const query = formOf(body).toString();
      if (query) url += (url.includes('?') ? '&' : '?') + query;
      return { url, options: { method: 'GET', headers } };
    }
    headers['content-type'] ??= 'application/json';
    return { url, options: { method: 'POST', headers, body: this.form ? formOf(body).toString() : JSON.stringify(body) } };
  }

  private async read(response: Dispatcher.ResponseData): Promise<HttpAnswer> {
    const where = this.target.base;
    if (response.statusCode === 204) {
      await response.body.dump();
      return { status: 204 };
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new HttpAuthError(`HTTP ${where} answered ${response.statusCode}`);
    }
    const text = (await readBodyCapped(response.body, this.maxBytes)).toString('utf8');
    try {
      return { status: 200, json: JSON.parse(text) as unknown };
    } catch {
      throw new HttpAuthError(`HTTP ${where} answered 200 with a body that is not JSON`);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * The URL as origin (for undici) and path-and-query (a template); userinfo becomes a Basic
 * authorization header, since credentials in a request URL are not sent.
 */
function splitUrl(text: string): { base: string; pathAndQuery: string; basicAuth?: string } {
  const url = new URL(text);
  const basicAuth =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`, 'utf8').toString('base64')}`
      : undefined;
  // The raw text after the authority keeps `${…}` unencoded for rendering (URL would encode it).
  const rest = (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*([^#]*)/s.exec(text.trim())?.[1] ?? '').replace(/^(?!\/)/, '/');
  return { base: url.origin, pathAndQuery: rest, basicAuth };
}
