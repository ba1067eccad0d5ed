import { type Asn1, OID, implicitPrimitive } from './der';
import { type CertifiedKey, buildLeafCertificate, commonNameAttribute, loadSigningCa, randomSerial, validity } from './certificate-builder';
import { generateSigningKeyPair, type KeyAlgorithm } from './key-pair';
import { PkiError } from './pki.error';

// A DNS label run, optionally with a leading wildcard label (RFC 6125 6.4.3).
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** A TLS server certificate for an instance's listeners, with a fresh key (EC P-256 unless asked for RSA 2048). */
export async function issueServerCertificate(o: {
  ca: CertifiedKey;
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  validityDays: number;
  keyAlgorithm?: KeyAlgorithm;
}): Promise<CertifiedKey> {
  const ca = loadSigningCa(o.ca);
  const subject = [commonNameAttribute(o.commonName)];
  // Clients match the host against the SANs only (RFC 6125, and Go ignores the CN): require one.
  if (o.dnsNames.length + o.ipAddresses.length === 0) throw new PkiError('invalid-argument', 'a server certificate needs at least one DNS name or IP address');
  const altNames: Asn1[] = [...o.dnsNames.map(dnsName), ...o.ipAddresses.map(ipAddress)];
  const { notBefore, notAfter } = validity(o.validityDays, new Date(), ca.cert.info.notAfter);
  const algorithm = o.keyAlgorithm ?? 'ec-p256';
  const keys = await generateSigningKeyPair(algorithm);
  const { spkiDer } = keys;
  const certPem = buildLeafCertificate(ca, { serial: randomSerial(), subject, notBefore, notAfter, spkiDer, rsaKey: algorithm === 'rsa-2048', purpose: OID.serverAuth, altNames });
  return { certPem, keyPem: keys.privateKeyPem };
}

function dnsName(value: string): Asn1 {
  if (value.length > 253 || !DNS_NAME.test(value)) throw new PkiError('invalid-argument', `"${value}" is not a DNS name`);
  return implicitPrimitive(2, Buffer.from(value.toLowerCase(), 'ascii')); // dNSName [2] IA5String
}

function ipAddress(value: string): Asn1 {
  const raw = ipv4Bytes(value) ?? ipv6Bytes(value);
  if (raw === undefined) throw new PkiError('invalid-argument', `"${value}" is not an IPv4 or IPv6 address`);
  return implicitPrimitive(7, raw); // iPAddress [7] OCTET STRING, 4 or 16 octets
}

// forge.util.bytesFromIP takes "300.1.1.1" (and is untyped), so addresses are parsed here.
const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function ipv4Bytes(value: string): Buffer | undefined {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p)) ? Buffer.from(parts.map(Number)) : undefined;
}

function ipv6Bytes(value: string): Buffer | undefined {
  const halves = value.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  // A trailing dotted quad stands for the last two groups (::ffff:192.0.2.1).
  const last = groups.at(-1)!;
  const v4 = last.length > 0 ? ipv4Bytes(last.at(-1)!) : undefined;
  if (v4 !== undefined) last.splice(-1, 1, v4.readUInt16BE(0).toString(16), v4.readUInt16BE(2).toString(16));
  const head = groups[0]!;
  const tail = groups[1] ?? [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
