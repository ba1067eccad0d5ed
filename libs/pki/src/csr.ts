import { type KeyObject, createPublicKey, verify } from 'node:crypto';
import forge from 'node-forge';
import { OID, bytes, children, expectUniversal, nameAttributes, parseDer, pemDecodeAll, readOid, toDer } from './der';
import { PkiError } from './pki.error';

const T = forge.asn1.Type;

/** A CSR whose self-signature verified: the key it asks a certificate for, and who it says it is. */
export interface VerifiedCsr {
  commonName: string | undefined;
  publicKeyPem: string;
  spkiDer: Buffer;
  publicKey: KeyObject;
}

// Signature algorithms a device may sign its CSR with. SHA-1 and MD5 are refused.
const SIGNATURE_ALGORITHMS: Record<string, { hash: string | null; keyType: string }> = {
  '1.2.840.113549.1.1.11': { hash: 'sha256', keyType: 'rsa' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', keyType: 'rsa' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', keyType: 'rsa' },
  '1.2.840.10045.4.3.2': { hash: 'sha256', keyType: 'ec' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', keyType: 'ec' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', keyType: 'ec' },
  '1.3.101.112': { hash: null, keyType: 'ed25519' },
};
// Curves TLS 1.2 and 1.3 both sign with.
const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
const MIN_RSA_BITS = 2048;

export function parseCsr(csrPem: string): { commonName: string | undefined; publicKeyPem: string } {
  const { commonName, publicKeyPem } = readCsr(csrPem);
  return { commonName, publicKeyPem };
}

/** PKCS#10 (RFC 2986) with its self-signature checked; RSA >= 2048, EC P-256/384/521 or Ed25519. */
export function readCsr(csrPem: string): VerifiedCsr {
  const invalid = (reason: string): PkiError => new PkiError('invalid-csr', reason);
  if (typeof csrPem !== 'string') throw invalid('expected a PEM string');
  const blocks = pemDecodeAll(csrPem, 'invalid-csr', '');
  if (blocks.length !== 1) throw invalid(`expected one "CERTIFICATE REQUEST" PEM block, found ${blocks.length}`);
  const block = blocks[0]!;
  if (block.label !== 'CERTIFICATE REQUEST' && block.label !== 'NEW CERTIFICATE REQUEST') {
    throw invalid(`PEM block is "${block.label}", expected "CERTIFICATE REQUEST"`);
  }

  // CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
  // CertificationRequestInfo ::= SEQUENCE { version INTEGER, subject Name, subjectPKInfo, attributes [0] }
  let parts: { criDer: Buffer; algorithm: string; signature: Buffer; subject: forge.asn1.Asn1; spkiDer: Buffer };
  try {
    const root = parseDer(block.der);
    // The signature covers the DER bytes; a BER encoding re-encodes differently and is refused.
    if (!toDer(root).equals(block.der)) throw new Error('not DER-encoded');
    const [cri, algorithm, signature] = children(expectUniversal(root, T.SEQUENCE, 'CertificationRequest'));
    const criFields = children(expectUniversal(cri, T.SEQUENCE, 'CertificationRequestInfo'));
    const version = bytes(expectUniversal(criFields[0], T.INTEGER, 'version'));
    if (version.length !== 1 || version[0] !== 0) throw new Error('version is not v1 (0)');
    const signatureBits = bytes(expectUniversal(signature, T.BITSTRING, 'signature'));
    if (signatureBits[0] !== 0) throw new Error('signature BIT STRING has unused bits');
    parts = {
      criDer: toDer(cri!),
      algorithm: readOid(children(expectUniversal(algorithm, T.SEQUENCE, 'signatureAlgorithm'))[0]!),
      signature: signatureBits.subarray(1),
      subject: expectUniversal(criFields[1], T.SEQUENCE, 'subject'),
      spkiDer: toDer(expectUniversal(criFields[2], T.SEQUENCE, 'subjectPKInfo')),
    };
  } catch (e) {
    if (e instanceof PkiError) throw e;
    throw invalid(`not a DER PKCS#10 request (${(e as Error).message})`);
  }

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: parts.spkiDer, format: 'der', type: 'spki' });
  } catch (e) {
    throw invalid(`unreadable public key (${(e as Error).message})`);
  }
  const keyType = publicKey.asymmetricKeyType ?? 'unknown';
  const details = publicKey.asymmetricKeyDetails ?? {};
  if (keyType === 'rsa' && (details.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw invalid(`RSA key of ${details.modulusLength} bits is too small (minimum ${MIN_RSA_BITS})`);
  }
  if (keyType === 'ec' && !EC_CURVES.has(details.namedCurve ?? '')) throw invalid(`EC curve ${details.namedCurve} is not supported (P-256, P-384, P-521)`);
  if (!['rsa', 'ec', 'ed25519'].includes(keyType)) throw invalid(`${keyType} keys are not supported (RSA, EC, Ed25519)`);

  const algorithm = SIGNATURE_ALGORITHMS[parts.algorithm];
  if (algorithm === undefined) throw invalid(`signature algorithm ${parts.algorithm} is not accepted (sha256/384/512 with RSA or ECDSA, or Ed25519)`);
  if (algorithm.keyType !== keyType) throw invalid(`signature algorithm ${parts.algorithm} does not fit a ${keyType} key`);
  let valid: boolean;
  try {
    valid = verify(algorithm.hash, parts.criDer, publicKey, parts.signature);
  } catch {
    valid = false;
  }
  if (!valid) throw invalid('the self-signature does not verify with the key in the request');

  return {
    commonName: nameAttributes(parts.subject, OID.commonName).at(-1),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    spkiDer: parts.spkiDer,
    publicKey,
  };
}
