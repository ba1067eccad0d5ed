/**
 * A tenant URL of any scheme we connect to (`https://…`, `postgres://…`, `redis://…`,
 * `mongodb://h1,h2/db`, `ldap://…`), split without normalising it, so that formatting it
 * again gives back what the tenant wrote. WHATWG `URL` is not enough: it cannot read
 * MongoDB's host lists, and it rewrites what it reads.
 */
export interface ServiceUrl {
  /** Lower-case, without `://`. */
  scheme: string;
  /** The scheme and the host list as written. */
  rawScheme: string;
  rawHosts: string;
  /** Percent-encoded, as written; undefined when the URL has no userinfo. */
  username?: string;
  password?: string;
  hosts: ServiceHost[];
  /** Path, query and fragment, as written. */
  rest: string;
}

export interface ServiceHost {
  /** Without brackets for IPv6 literals; lower-case. */
  host: string;
  port?: number;
}

const URL_PATTERN = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;
const HOST_PATTERN = /^(?:\[([0-9a-fA-F:.]+(?:%[\w.~-]+)?)\]|([^:[\]]+))(?::(\d{1,5}))?$/;

export function parseServiceUrl(text: string): ServiceUrl | undefined {
  const match = URL_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  const hostList = at >= 0 ? authority.slice(at + 1) : authority;
  if (hostList === '') return undefined;
  const hosts: ServiceHost[] = [];
  for (const item of hostList.split(',')) {
    const host = HOST_PATTERN.exec(item);
    if (!host) return undefined;
    const port = host[3] === undefined ? undefined : Number(host[3]);
    if (port !== undefined && (port < 1 || port > 65535)) return undefined;
    const name = (host[1] ?? host[2] ?? '').toLowerCase();
    if (!name || /[\s/\\?#@]/.test(name)) return undefined;
    hosts.push(port === undefined ? { host: name } : { host: name, port });
  }
  const url: ServiceUrl = { scheme: scheme.toLowerCase(), rawScheme: scheme, rawHosts: hostList, hosts, rest };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    url.username = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (colon >= 0) url.password = userinfo.slice(colon + 1);
  }
  return url;
}

export function formatServiceUrl(url: ServiceUrl): string {
  const userinfo =
    url.username === undefined && url.password === undefined ? '' : `${url.username ?? ''}${url.password === undefined ? '' : `:${url.password}`}@`;
  return `${url.rawScheme}://${userinfo}${url.rawHosts}${url.rest}`;
}
