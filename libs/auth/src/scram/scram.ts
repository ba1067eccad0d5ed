import { createHash, createHmac, pbkdf2 as pbkdf2Callback, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { slowHashGate } from '../password/slow-hash-gate';

/**
 * SCRAM (RFC 5802) with SHA-256 (RFC 7677) or SHA-512, server side: what a store keeps
 * (StoredKey, ServerKey, salt, iteration count — never the password), and the two server
 * steps of the exchange. No channel binding: MQTT carries SCRAM in AUTH packets, not in TLS.
 */
export type ScramAlgorithm = 'sha256' | 'sha512';

export const SCRAM_MECHANISMS: Readonly<Record<ScramAlgorithm, string>> = { sha256: 'SCRAM-SHA-256', sha512: 'SCRAM-SHA-512' };

export function scramAlgorithmOf(mechanism: string): ScramAlgorithm | undefined {
  if (mechanism === SCRAM_MECHANISMS.sha256) return 'sha256';
  if (mechanism === SCRAM_MECHANISMS.sha512) return 'sha512';
  return undefined;
}

const DIGEST_BYTES: Readonly<Record<ScramAlgorithm, number>> = { sha256: 32, sha512: 64 };

/** What a user's row keeps for one algorithm (RFC 5802 section 3). */
export interface ScramCredential {
  algorithm: ScramAlgorithm;
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const pbkdf2 = promisify(pbkdf2Callback);

function hmac(algorithm: ScramAlgorithm, key: Buffer, text: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(text).digest();
}

/**
 * SASLprep (RFC 4013) as far as passwords need it: non-ASCII spaces map to U+0020, the
 * "commonly mapped to nothing" characters go, then NFKC. The prohibited-output and bidi
 * checks are not applied; ASCII passwords are unchanged either way.
 */
export function saslPrep(text: string): string {
  let mapped = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (MAPPED_TO_NOTHING.has(code) || (code >= 0x180b && code <= 0x180d) || (code >= 0xfe00 && code <= 0xfe0f)) continue;
    mapped += NON_ASCII_SPACES.has(code) || (code >= 0x2000 && code <= 0x200b) ? ' ' : char;
  }
  return mapped.normalize('NFKC');
}

/** RFC 3454 table B.1 (the code points RFC 4013 maps to nothing), ranges checked in saslPrep. */
const MAPPED_TO_NOTHING = new Set([0x00ad, 0x034f, 0x1806, 0x200c, 0x200d, 0x2060, 0xfeff]);
/** RFC 3454 table C.1.2, mapped to SPACE by RFC 4013; U+2000–U+200B checked in saslPrep. */
const NON_ASCII_SPACES = new Set([0x00a0, 0x1680, 0x202f, 0x205f, 0x3000]);

/** Derives what the server keeps from a password: Hi() = PBKDF2 with HMAC (off the event loop). */
export async function deriveScramCredential(
  password: string,
  algorithm: ScramAlgorithm,
  iterations: number,
  salt: Buffer = randomBytes(16),
  signal?: AbortSignal,
): Promise<ScramCredential> {
  // Through the process's slow-hash gate, as every password hash.
  const salted = await slowHashGate.run(() => pbkdf2(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, DIGEST_BYTES[algorithm], algorithm), signal);
  const clientKey = hmac(algorithm, salted, 'Client Key');
  return {
    algorithm,
    salt,
    iterations,
    storedKey: createHash(algorithm).update(clientKey).digest(),
    serverKey: hmac(algorithm, salted, 'Server Key'),
  };
}

/** A message the client sent that is not SCRAM as RFC 5802 section 7 writes it. */
export class ScramProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScramProtocolError';
  }
}

/** `saslname` (RFC 5802 section 5.1): `=2C` is ',' and `=3D` is '='; any other '=' is an error. */
function decodeSaslName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramProtocolError('a user name may hold "=" only as =2C or =3D');
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function attributes(text: string): { name: string; value: string }[] {
  return text.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramProtocolError(`"${part.slice(0, 20)}" is not an attribute`);
    return { name: part[0] as string, value: part.slice(2) };
  });
}

const PRINTABLE_NONCE = /^[\x21-\x2B\x2D-\x7E]+$/;

export interface ClientFirst {
  /** The GS2 header (`n,,` or `y,,`), echoed in base64 by the client's final message. */
  gs2Header: string;
  username: string;
  clientNonce: string;
  /** `client-first-message-bare`, part of AuthMessage. */
  bare: string;
}

/** Reads `client-first-message` (RFC 5802 section 7). */
export function parseClientFirst(data: Buffer | undefined): ClientFirst {
  if (data === undefined || data.length === 0) throw new ScramProtocolError('the client-first-message is missing');
  const text = data.toString('utf8');
  const match = /^([nyp])(=[^,]*)?,(a=[^,]*)?,(.*)$/s.exec(text);
  if (!match) throw new ScramProtocolError('the client-first-message does not start with a GS2 header such as "n,,"');
  const [, flag, , , bare = ''] = match;
  // [RFC 5802 section 6] "p" asks for channel binding, which MQTT's AUTH cannot carry.
  if (flag === 'p') throw new ScramProtocolError('channel binding is not supported');
  const gs2Header = text.slice(0, text.length - bare.length);
  const parts = attributes(bare);
  if (parts[0]?.name === 'm') throw new ScramProtocolError('mandatory extensions are not supported');
  if (parts[0]?.name !== 'n' || parts[1]?.name !== 'r') throw new ScramProtocolError('the client-first-message must start with n=user,r=nonce');
  const username = decodeSaslName(parts[0].value);
  const clientNonce = parts[1].value;
  if (!username) throw new ScramProtocolError('the user name is empty');
  if (!PRINTABLE_NONCE.test(clientNonce)) throw new ScramProtocolError('the client nonce must be printable characters other than ","');
  return { gs2Header, username, clientNonce, bare };
}

/** The server's state between its first and its final message. */
export interface ScramServerFirst {
  /** `server-first-message`, sent to the client in AUTH (0x18). */
  message: string;
  nonce: string;
}

export function serverFirst(client: ClientFirst, credential: Pick<ScramCredential, 'salt' | 'iterations'>, serverNonce = randomBytes(18).toString('base64')): ScramServerFirst {
  const nonce = client.clientNonce + serverNonce;
  return { message: `r=${nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`, nonce };
}

export type ScramFinal = { ok: true; serverFinal: string } | { ok: false; error: string; serverFinal: string };

/**
 * Checks `client-final-message` against the stored keys (RFC 5802 section 3): ClientKey is
 * ClientProof XOR HMAC(StoredKey, AuthMessage), and H(ClientKey) must equal StoredKey. On
 * success the answer is `v=ServerSignature`; otherwise `e=…`.
 */
export function verifyClientFinal(data: Buffer | undefined, client: ClientFirst, first: ScramServerFirst, credential: ScramCredential): ScramFinal {
  const fail = (error: string): ScramFinal => ({ ok: false, error, serverFinal: `e=${error}` });
  if (data === undefined || data.length === 0) return fail('other-error');
  const text = data.toString('utf8');
  const proofAt = text.lastIndexOf(',p=');
  if (proofAt < 0) return fail('other-error');
  const withoutProof = text.slice(0, proofAt);
  let parts: { name: string; value: string }[];
  try {
    parts = attributes(withoutProof);
  } catch {
    return fail('other-error');
  }
  const binding = parts[0]?.name === 'c' ? Buffer.from(parts[0].value, 'base64').toString('utf8') : undefined;
  if (binding !== client.gs2Header) return fail('channel-bindings-dont-match');
  if (parts[1]?.name !== 'r' || parts[1].value !== first.nonce) return fail('other-error');
  const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
  const { algorithm } = credential;
  if (proof.length !== DIGEST_BYTES[algorithm]) return fail('invalid-proof');

  const authMessage = `${client.bare},${first.message},${withoutProof}`;
  const clientSignature = hmac(algorithm, credential.storedKey, authMessage);
  const clientKey = Buffer.alloc(proof.length);
  for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] as number) ^ (clientSignature[i] as number);
  const candidate = createHash(algorithm).update(clientKey).digest();
  if (candidate.length !== credential.storedKey.length || !timingSafeEqual(candidate, credential.storedKey)) return fail('invalid-proof');
  return { ok: true, serverFinal: `v=${hmac(algorithm, credential.serverKey, authMessage).toString('base64')}` };
}
