import type { IncomingMessage } from 'node:http';
import { DomainError } from './domain-errors';

/** Every body but the user import's: far above any console request, far below a parser's pain. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** `POST /v1/instances/{id}/users/import`: 100,000 rows fit with room to spare. */
export const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;
/** Objects and arrays inside each other; no request of this API needs more than a handful. */
export const MAX_JSON_DEPTH = 32;

const JSON_TYPE = 'application/json';
const CSV_TYPE = 'text/csv';

/** What a route accepts: the media types of its documented body, and how many bytes. */
export interface BodyRule {
  mediaTypes: readonly string[];
  limit: number;
}

/** A body as read: the parsed value (JSON) or the text (CSV), and the text it came from. */
export interface ReadBody {
  value: unknown;
  text: string;
  mediaType: string;
}

/** The request carries body bytes (a length above 0, or chunks). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function problem(kind: 'bad-request' | 'unsupported-media-type', code: string, message: string, extra: Record<string, unknown> = {}): DomainError {
  return new DomainError(kind, code, message, extra);
}

export class BodyTooLargeError extends DomainError {
  constructor(limit: number) {
    super('too-large', 'body-too-large', `the body is larger than this route accepts (${limit} bytes)`, { limit });
  }
}

/** The media type a route would read the request's body as, or a 415 naming what it accepts. */
export function acceptedMediaType(request: IncomingMessage, rule: BodyRule): string {
  const header = request.headers['content-type'];
  const [essence = '', ...parameters] = (header ?? '').split(';').map((part) => part.trim().toLowerCase());
  const accepted = rule.mediaTypes.join(', ');
  const refuse = (message: string) => problem('unsupported-media-type', 'unsupported-media-type', message, { accepted: rule.mediaTypes });
  if (!header) throw refuse(`send a content-type: this route accepts ${accepted}`);
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw refuse(`the body must be UTF-8, not ${charset}`);
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') throw refuse(`content-encoding ${encoding} is not accepted: send the body uncompressed`);
  const json = essence === JSON_TYPE || /^application\/[^/]+\+json$/.test(essence);
  if (json && rule.mediaTypes.includes(JSON_TYPE)) return JSON_TYPE;
  // The import has always taken CSV as text/plain too.
  if ((essence === CSV_TYPE || essence === 'text/plain') && rule.mediaTypes.includes(CSV_TYPE)) return essence;
  throw refuse(`content-type ${essence} is not accepted: this route accepts ${accepted}`);
}

/** Reads at most `limit` bytes of the body as a stream; more is a 413 and the rest stays unread. */
export async function readBodyBytes(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onAborted);
    };
    const fail = (error: Error) => {
      cleanup();
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => fail(error);
    const onAborted = () => fail(problem('bad-request', 'body-incomplete', 'the client stopped sending the body'));
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onAborted);
  });
}

/**
 * The deepest nesting of objects and arrays in a JSON text, found by one pass over it before
 * anything parses it (strings are skipped, so brackets inside them do not count). Stops at
 * the first level beyond `cap`.
 */
export function jsonDepthExceeds(text: string, cap: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > cap) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads and parses the body of a request whose media type `acceptedMediaType` approved. */
export async function readBody(request: IncomingMessage, rule: BodyRule, mediaType: string): Promise<ReadBody> {
  const bytes = await readBodyBytes(request, rule.limit);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw problem('bad-request', 'malformed-body', 'the body is not valid UTF-8');
  }
  if (mediaType !== JSON_TYPE) return { value: text, text, mediaType };
  if (text.trim() === '') return { value: undefined, text, mediaType };
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw problem('bad-request', 'body-too-deep', `the JSON body nests objects and arrays more than ${MAX_JSON_DEPTH} deep`, { maxDepth: MAX_JSON_DEPTH });
  }
  try {
    return { value: JSON.parse(text) as unknown, text, mediaType };
  } catch (error) {
    throw problem('bad-request', 'malformed-body', `the body is not valid JSON: ${(error as Error).message}`);
  }
}
