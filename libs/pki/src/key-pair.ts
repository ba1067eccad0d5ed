import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

export interface KeyPairPem {
  /** PKCS#8 PEM ("BEGIN PRIVATE KEY"). */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"). */
  publicKeyPem: string;
}

/** Keys this PKI makes: RSA 2048 (every TLS stack) or EC P-256 (a thousand times cheaper to make). */
export type KeyAlgorithm = 'rsa-2048' | 'ec-p256';

const generate = promisify(generateKeyPairCallback);

/** From node:crypto: native and off the event loop, where forge's JS keygen would block it. */
export async function generateKeyPair(algorithm: KeyAlgorithm = 'rsa-2048'): Promise<KeyPairPem> {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const { privateKey, publicKey } =
    algorithm === 'ec-p256'
      ? await generate('ec', { namedCurve: 'prime256v1', publicKeyEncoding, privateKeyEncoding })
      : await generate('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** A new key pair ready to certify and sign with: no PEM parsed back (what issuing needs, as made). */
export interface SigningKeyPair {
  privateKey: KeyObject;
  privateKeyPem: string;
  /** The public key's SubjectPublicKeyInfo, DER. */
  spkiDer: Buffer;
}

export async function generateSigningKeyPair(algorithm: KeyAlgorithm): Promise<SigningKeyPair> {
  const { privateKey, publicKey } = algorithm === 'ec-p256' ? await generate('ec', { namedCurve: 'prime256v1' }) : await generate('rsa', { modulusLength: 2048 });
  return { privateKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, spkiDer: publicKey.export({ type: 'spki', format: 'der' }) };
}
