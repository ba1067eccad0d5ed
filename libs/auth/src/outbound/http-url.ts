/**
 * An http(s) tenant URL read exactly as the HTTP client (undici) reads it: WHATWG `new URL`.
 * The private-address guard checks the host this parse gives, so the host checked is the
 * host connected to. What WHATWG reads differently from other parsers is refused rather than
 * guessed at: a backslash (WHATWG takes `\` for `/` in http(s), so
 * `http://127.0.0.1:28080\@8.8.8.8/` is 127.0.0.1, not 8.8.8.8), and spaces or control
 * characters (WHATWG drops tabs and line breaks anywhere without a word).
 */
export type HttpUrlParse = { url: URL } | { problem: string };

const HTTP_SCHEME = /^https?:\/\//i;
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

export function parseHttpUrl(text: string): HttpUrlParse {
  if (!HTTP_SCHEME.test(text)) return { problem: 'must start with http:// or https://' };
  if (text.includes('\\')) return { problem: 'must not contain a backslash (\\): HTTP clients read it as /; write %5C if it is data' };
  if (WHITESPACE_OR_CONTROL.test(text)) return { problem: 'must not contain spaces or control characters' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'is not a valid URL' };
  }
  if (url.hostname === '') return { problem: 'must name a host' };
  return { url };
}

/** The host an HTTP client connects to: WHATWG's hostname, IPv6 without brackets. */
export function httpUrlHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}
