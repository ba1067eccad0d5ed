import { promises as dns } from 'node:dns';
import { cidrContains, embeddedIpv4, nonPublicReason, parseCidr, parseIp, type Cidr, type IpBytes } from './ip-address';
import { httpUrlHost, parseHttpUrl } from './http-url';
import { parseServiceUrl } from './service-url';

/**
 * SPEC 4.4: a managed cloud must not let tenants reach its own network. Tenant URLs (webhooks,
 * JWKS endpoints, external databases) are refused when a host resolves to a loopback,
 * private, CGNAT, link-local (metadata), unique-local, multicast or reserved address, unless
 * the operator's allow-list (MQC_OUTBOUND_ALLOW: hosts or CIDRs) lets it through.
 *
 * The control plane checks at configuration time; the broker checks again when it connects
 * (a name may resolve elsewhere later), and should connect to the addresses it checked.
 */
export class OutboundAddressError extends Error {
  constructor(
    message: string,
    readonly host?: string,
    readonly address?: string,
  ) {
    super(message);
    this.name = 'OutboundAddressError';
  }
}

export interface AllowList {
  hosts: ReadonlySet<string>;
  cidrs: readonly Cidr[];
}

/** Entries are host names (matched exactly, case-insensitively) or CIDRs / IP addresses. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const range = parseCidr(entry);
    if (range) cidrs.push(range);
    else hosts.add(normaliseHost(entry));
  }
  return { hosts, cidrs };
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

export type Resolver = (host: string) => Promise<string[]>;

export interface OutboundCheckOptions {
  /** Name resolution; node:dns `lookup` (the system resolver, as clients use) by default. */
  resolve?: Resolver;
  /** SRV lookup for `mongodb+srv://`; node:dns by default. */
  resolveSrv?: (name: string) => Promise<string[]>;
  timeoutMs?: number;
}

const systemResolve: Resolver = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
const systemResolveSrv = async (name: string) => (await dns.resolveSrv(name)).map((r) => r.name);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function allowedAddress(address: IpBytes, allow: AllowList): boolean {
  const v4 = embeddedIpv4(address);
  return allow.cidrs.some((range) => cidrContains(range, address) || (v4 !== undefined && cidrContains(range, v4)));
}

/** Throws when an address is neither public nor allowed. */
export function assertPublicAddress(address: string, allowList: AllowList | readonly string[], host = address): void {
  const allow = isAllowList(allowList) ? allowList : parseAllowList(allowList);
  const bytes = parseIp(address);
  if (!bytes) throw new OutboundAddressError(`${address} is not an IP address`, host, address);
  if (allowedAddress(bytes, allow)) return;
  const reason = nonPublicReason(bytes);
  if (!reason) return;
  // A literal the tenant wrote may be named; what a name resolves to is the cloud's business
  // (the error keeps the address for the operator's logs).
  const what = host === address || parseIp(host) ? `${host} is ${reason}` : `${host} resolves to an address that is not public (loopback, private, link-local, metadata or reserved)`;
  throw new OutboundAddressError(`${what}, which tenant URLs may not reach${SELF_HOSTED_HINT}`, host, address);
}

/** Said with every address refusal: the way out for self-hosters. */
const SELF_HOSTED_HINT = '; the operator of a self-hosted MQC may allow it with MQC_OUTBOUND_ALLOW';

function isAllowList(value: AllowList | readonly string[]): value is AllowList {
  return !Array.isArray(value) && typeof value === 'object' && value !== null && 'cidrs' in value;
}

/**
 * The addresses a host may be reached at, each checked: throws when the host cannot be
 * resolved or when any of its addresses is not public. A host named in the allow-list is
 * returned as is (unresolved).
 */
export async function resolvePublicHost(host: string, allowList: AllowList | readonly string[], options: OutboundCheckOptions = {}): Promise<string[]> {
  const allow = isAllowList(allowList) ? allowList : parseAllowList(allowList);
  const name = normaliseHost(host);
  if (allow.hosts.has(name)) return [name];
  if (parseIp(name)) {
    assertPublicAddress(name, allow, host);
    return [name];
  }
  let addresses: string[];
  try {
    addresses = await withTimeout((options.resolve ?? systemResolve)(name), options.timeoutMs ?? 5_000, `resolving ${host}`);
  } catch (error) {
    const why = error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : error instanceof Error ? error.message : String(error);
    throw new OutboundAddressError(`${host} cannot be resolved (${why})`, host);
  }
  if (addresses.length === 0) throw new OutboundAddressError(`${host} resolves to no address`, host);
  // Every address counts: a client may connect to any of them.
  for (const address of addresses) assertPublicAddress(address, allow, host);
  return addresses;
}

/**
 * Throws OutboundAddressError unless every host of the URL resolves only to public (or
 * allowed) addresses. `mongodb+srv://` names are followed through their SRV records.
 */
export async function assertPublicUrl(url: string, allowList: AllowList | readonly string[], options: OutboundCheckOptions = {}): Promise<void> {
  const allow = isAllowList(allowList) ? allowList : parseAllowList(allowList);
  if (/^https?:/i.test(url.trim())) return assertPublicHttpUrl(url, allow, options);
  const parsed = parseServiceUrl(url);
  if (!parsed) throw new OutboundAddressError(`not a URL with a host: ${url}`);
  for (const { host } of parsed.hosts) {
    if (parsed.scheme === 'mongodb+srv' && !allow.hosts.has(normaliseHost(host)) && !parseIp(host)) {
      let targets: string[];
      try {
        targets = await withTimeout((options.resolveSrv ?? systemResolveSrv)(`_mongodb._tcp.${host}`), options.timeoutMs ?? 5_000, `resolving ${host}`);
      } catch (error) {
        const why = error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : String(error);
        throw new OutboundAddressError(`${host} has no usable SRV record (${why})`, host);
      }
      for (const target of targets) await resolvePublicHost(target, allow, options);
      continue;
    }
    await resolvePublicHost(host, allow, options);
  }
}

/**
 * http(s): the host WHATWG reads, as undici does (see parseHttpUrl). Credentials in the URL
 * are refused: they belong in a header, which is stored sealed.
 */
async function assertPublicHttpUrl(text: string, allow: AllowList, options: OutboundCheckOptions): Promise<void> {
  const parsed = parseHttpUrl(text);
  if ('problem' in parsed) throw new OutboundAddressError(`the URL ${parsed.problem}`);
  if (parsed.url.username !== '' || parsed.url.password !== '') {
    throw new OutboundAddressError('an http(s) URL may not carry credentials (user:password@): send them in a header, e.g. authorization');
  }
  await resolvePublicHost(httpUrlHost(parsed.url), allow, options);
}
