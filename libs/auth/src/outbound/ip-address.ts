import { isIP } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export type IpBytes = Uint8Array;

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const words: number[] = [];
  const pushGroups = (list: string[], into: number[]): boolean => {
    for (let i = 0; i < list.length; i++) {
      const group = list[i] ?? '';
      if (i === list.length - 1 && group.includes('.')) {
        const v4 = parseIpv4(group);
        if (!v4) return false;
        into.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
        continue;
      }
      if (!/^[0-9a-f]{1,4}$/i.test(group)) return false;
      into.push(parseInt(group, 16));
    }
    return true;
  };
  const tailWords: number[] = [];
  if (!pushGroups(head, words) || !pushGroups(tail, tailWords)) return undefined;
  if (halves.length === 1 ? words.length !== 8 : words.length + tailWords.length > 7) return undefined;
  while (words.length + tailWords.length < 8) words.push(0);
  words.push(...tailWords);
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

/**
 * The bytes of an IP literal (dotted IPv4, or IPv6 with or without brackets and zone id),
 * or undefined when the text is not one.
 */
export function parseIp(text: string): IpBytes | undefined {
  let literal = text.trim();
  if (literal.startsWith('[') && literal.endsWith(']')) literal = literal.slice(1, -1);
  const zone = literal.indexOf('%');
  if (zone >= 0) literal = literal.slice(0, zone);
  const family = isIP(literal);
  if (family === 4) return parseIpv4(literal);
  if (family === 6) return parseIpv6(literal);
  return undefined;
}

export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return words.join(':');
}

export interface Cidr {
  bytes: IpBytes;
  prefix: number;
}

/** `10.0.0.0/8`, `fc00::/7`, or a bare address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, extra] = text.trim().split('/');
  if (address === undefined || extra !== undefined) return undefined;
  const bytes = parseIp(address);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return { bytes, prefix: Number(prefixText) };
}

export function cidrContains(cidr: Cidr, address: IpBytes): boolean {
  if (cidr.bytes.length !== address.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((cidr.bytes[i] ?? 0) & mask) !== ((address[i] ?? 0) & mask)) return false;
  }
  return true;
}

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad CIDR in the table: ${text}`);
  return parsed;
}

/** Addresses a tenant URL may not reach, with the reason a refusal names. */
const BLOCKED_V4: readonly [Cidr, string][] = [
  [cidr('169.254.169.254/32'), 'a cloud metadata address'],
  [cidr('0.0.0.0/8'), 'an unspecified ("this network") address'],
  [cidr('10.0.0.0/8'), 'a private address (RFC 1918)'],
  [cidr('100.64.0.0/10'), 'a shared (carrier-grade NAT) address'],
  [cidr('127.0.0.0/8'), 'a loopback address'],
  [cidr('169.254.0.0/16'), 'a link-local address'],
  [cidr('172.16.0.0/12'), 'a private address (RFC 1918)'],
  [cidr('192.0.0.0/24'), 'an IETF protocol assignment address'],
  [cidr('192.168.0.0/16'), 'a private address (RFC 1918)'],
  [cidr('198.18.0.0/15'), 'a benchmarking address'],
  [cidr('224.0.0.0/4'), 'a multicast address'],
  [cidr('240.0.0.0/4'), 'a reserved or broadcast address'],
];

const BLOCKED_V6: readonly [Cidr, string][] = [
  [cidr('::/128'), 'an unspecified address'],
  [cidr('::1/128'), 'a loopback address'],
  [cidr('64:ff9b:1::/48'), 'a local-use NAT64 address'],
  [cidr('100::/64'), 'a discard-only address'],
  [cidr('2001::/32'), 'a Teredo tunnel address'],
  [cidr('fc00::/7'), 'a unique-local address'],
  [cidr('fe80::/10'), 'a link-local address'],
  [cidr('fec0::/10'), 'a site-local address'],
  [cidr('ff00::/8'), 'a multicast address'],
];

/** IPv6 forms that carry an IPv4 address, and where: the IPv4 address is what gets reached. */
const EMBEDDING_V4: readonly [Cidr, number][] = [
  [cidr('::ffff:0:0/96'), 12], // IPv4-mapped
  [cidr('::/96'), 12], // IPv4-compatible (deprecated)
  [cidr('64:ff9b::/96'), 12], // NAT64 well-known prefix
  [cidr('2002::/16'), 2], // 6to4
];

/** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIpv4(address: IpBytes): IpBytes | undefined {
  if (address.length !== 16) return undefined;
  for (const [range, offset] of EMBEDDING_V4) {
    if (cidrContains(range, address)) return address.slice(offset, offset + 4);
  }
  return undefined;
}

/**
 * Why an address is not a public one (loopback, private, link-local, metadata, multicast…),
 * or undefined when it is public. An IPv6 form of an IPv4 address is judged by that address.
 */
export function nonPublicReason(address: IpBytes): string | undefined {
  if (address.length === 4) return BLOCKED_V4.find(([range]) => cidrContains(range, address))?.[1];
  const blocked = BLOCKED_V6.find(([range]) => cidrContains(range, address));
  if (blocked) return blocked[1];
  const v4 = embeddedIpv4(address);
  const reason = v4 && nonPublicReason(v4);
  return reason && `${reason} (${formatIp(v4)} in IPv6 form)`;
}
