// DER plumbing shared by the builders and parsers of this lib. node-forge's asn1 module does
// the encoding; node-forge's certificate objects are RSA-only, so certificates are assembled
// from ASN.1 here and signed with node:crypto (native RSA, and EC/Ed25519 subject keys work).
import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { PkiError } from './pki.error';

const { asn1 } = forge;
export type Asn1 = forge.asn1.Asn1;
const { UNIVERSAL, CONTEXT_SPECIFIC } = asn1.Class;
const T = asn1.Type;

export const OID = {
  commonName: '2.5.4.3',
  countryName: '2.5.4.6',
  organizationName: '2.5.4.10',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

// ---- decoding -------------------------------------------------------------------------

type FromDer = (bytes: string, options: { strict: boolean; parseAllBytes: boolean; decodeBitStrings: boolean }) => Asn1;

/** Strict DER parse: all bytes consumed, BIT STRING contents left as bytes (the typings omit the options). */
export function parseDer(der: Buffer): Asn1 {
  return (asn1.fromDer as unknown as FromDer)(der.toString('binary'), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary');
}

export function children(node: Asn1): Asn1[] {
  if (!Array.isArray(node.value)) throw new Error(`expected a constructed ASN.1 value, found primitive tag ${node.type}`);
  return node.value;
}

export function bytes(node: Asn1): Buffer {
  if (typeof node.value !== 'string') throw new Error(`expected a primitive ASN.1 value, found constructed tag ${node.type}`);
  return Buffer.from(node.value, 'binary');
}

export function isUniversal(node: Asn1, type: number): boolean {
  return node.tagClass === UNIVERSAL && node.type === type;
}

export function expectUniversal(node: Asn1 | undefined, type: number, what: string): Asn1 {
  if (node === undefined || !isUniversal(node, type)) throw new Error(`${what}: unexpected ASN.1 structure`);
  return node;
}

export function readOid(node: Asn1): string {
  return asn1.derToOid(expectUniversal(node, T.OID, 'OBJECT IDENTIFIER').value as string);
}

export function readTime(node: Asn1): Date {
  if (isUniversal(node, T.UTCTIME)) return asn1.utcTimeToDate(node.value as string);
  if (isUniversal(node, T.GENERALIZEDTIME)) return asn1.generalizedTimeToDate(node.value as string);
  throw new Error('Time: neither UTCTime nor GeneralizedTime');
}

/** A directory string (PrintableString, UTF8String, IA5String, BMPString, ...) as text. */
export function readString(node: Asn1): string {
  const raw = bytes(node);
  switch (node.type as number) {
    case T.BMPSTRING:
      return Buffer.from(raw).swap16().toString('utf16le');
    case 28: // UniversalString, UCS-4 big-endian
      return Array.from({ length: raw.length / 4 }, (_, i) => String.fromCodePoint(raw.readUInt32BE(i * 4))).join('');
    case 20: // TeletexString: treated as Latin-1, as OpenSSL does
      return raw.toString('latin1');
    default:
      return raw.toString('utf8');
  }
}

/** The values of every attribute of type `oid` in a Name, in order. */
export function nameAttributes(name: Asn1, oid: string): string[] {
  const found: string[] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      if (type !== undefined && value !== undefined && readOid(type) === oid) found.push(readString(value));
    }
  }
  return found;
}

/** Integer content bytes as Node's X509Certificate.serialNumber writes them (OpenSSL BN_bn2hex). */
export function serialHex(content: Buffer): string {
  if (content.length === 0) throw new Error('INTEGER with no content');
  let n = BigInt(`0x${content.toString('hex')}`);
  const negative = (content[0]! & 0x80) !== 0;
  if (negative) n = (1n << BigInt(content.length * 8)) - n;
  if (n === 0n) return '0';
  let hex = n.toString(16).toUpperCase();
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return negative ? `-${hex}` : hex;
}

// ---- encoding -------------------------------------------------------------------------

export const seq = (items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SEQUENCE, true, items);
export const set = (items: Asn1[]): Asn1 => asn1.create(UNIVERSAL, T.SET, true, items);
export const oid = (value: string): Asn1 => asn1.create(UNIVERSAL, T.OID, false, asn1.oidToDer(value).getBytes());
export const nullValue = (): Asn1 => asn1.create(UNIVERSAL, T.NULL, false, '');
export const bool = (value: boolean): Asn1 => asn1.create(UNIVERSAL, T.BOOLEAN, false, String.fromCharCode(value ? 0xff : 0));
export const octetString = (value: Buffer): Asn1 => asn1.create(UNIVERSAL, T.OCTETSTRING, false, value.toString('binary'));
export const bitString = (value: Buffer, unusedBits = 0): Asn1 =>
  asn1.create(UNIVERSAL, T.BITSTRING, false, String.fromCharCode(unusedBits) + value.toString('binary'));
export const explicit = (tag: number, inner: Asn1): Asn1 => asn1.create(CONTEXT_SPECIFIC, tag, true, [inner]);
export const implicitPrimitive = (tag: number, value: Buffer): Asn1 => asn1.create(CONTEXT_SPECIFIC, tag, false, value.toString('binary'));

/** Minimal two's-complement INTEGER of a non-negative value. */
export function integer(value: bigint): Asn1 {
  if (value < 0n) throw new Error('negative INTEGER');
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return asn1.create(UNIVERSAL, T.INTEGER, false, Buffer.from(hex, 'hex').toString('binary'));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds. */
export function time(date: Date): Asn1 {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = whole.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(whole))
    : asn1.create(UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(whole));
}

export function sha256WithRsa(): Asn1 {
  return seq([oid(OID.sha256WithRSAEncryption), nullValue()]);
}

/** ecdsa-with-SHA256 (RFC 5758 3.2): no parameters, not even NULL. */
export function ecdsaWithSha256(): Asn1 {
  return seq([oid(OID.ecdsaWithSHA256)]);
}

/** A Name of UTF8String attributes, except countryName which X.520 makes a PrintableString. */
export function name(attributes: { oid: string; value: string }[]): Asn1 {
  return seq(
    attributes.map((a) =>
      set([
        seq([
          oid(a.oid),
          asn1.create(UNIVERSAL, a.oid === OID.countryName ? T.PRINTABLESTRING : T.UTF8, false, Buffer.from(a.value, 'utf8').toString('binary')),
        ]),
      ]),
    ),
  );
}

export function extension(extnId: string, critical: boolean, value: Asn1): Asn1 {
  return seq([oid(extnId), ...(critical ? [bool(true)] : []), octetString(toDer(value))]);
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const subjectPublicKey = expectUniversal(children(parseDer(spkiDer))[1], T.BITSTRING, 'SubjectPublicKeyInfo');
  return createHash('sha1').update(bytes(subjectPublicKey).subarray(1)).digest();
}

/** KeyUsage BIT STRING from bit numbers (digitalSignature = 0 ... cRLSign = 6), DER-minimal. */
export function keyUsageBits(bits: number[]): Asn1 {
  const value = bits.reduce((acc, bit) => acc | (0x80 >> bit), 0);
  const highest = Math.max(...bits);
  return bitString(Buffer.from([value]), 7 - highest);
}

// ---- PEM ------------------------------------------------------------------------------

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function pemEncode(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every PEM block in `text`, in order; text between blocks (openssl's "subject=" lines) is ignored. */
export function pemDecodeAll(text: string, errorCode: 'malformed-certificate' | 'invalid-csr', what: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const [, label, body, endLabel] = m as unknown as [string, string, string, string];
    if (label !== endLabel) throw new PkiError(errorCode, `${what}PEM block "BEGIN ${label}" ends with "END ${endLabel}"`);
    if (body.includes(':')) throw new PkiError(errorCode, `${what}PEM block "${label}" has headers (encrypted or legacy PEM is not accepted)`);
    const base64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) {
      throw new PkiError(errorCode, `${what}PEM block "${label}" is not valid base64`);
    }
    if (base64.length === 0) throw new PkiError(errorCode, `${what}PEM block "${label}" is empty`);
    blocks.push({ label, der: Buffer.from(base64, 'base64') });
  }
  return blocks;
}
