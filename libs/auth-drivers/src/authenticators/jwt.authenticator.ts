import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { type AllowList, type Authenticator, type AuthResult, type ConnectCredentials, type JwtConfig, missingPlaceholders, parseJwtAclClaim, placeholderValues, type PlaceholderValues, renderTemplate } from '@mqc/auth';
import { JwksCache, type JwksCacheOptions } from '../jwks/jwks-cache';

export interface JwtAuthenticatorOptions {
  /** The operator's outbound allow-list (MQC_OUTBOUND_ALLOW), for a JWKS endpoint. */
  outboundAllowList?: AllowList | readonly string[];
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** JWKS fetching knobs beyond the configuration (cooldown, timeout, resolver). */
  jwks?: Pick<JwksCacheOptions, 'unknownKidCooldownSeconds' | 'failureBackoffSeconds' | 'timeoutMs' | 'maxBytes' | 'resolve' | 'onStaleRefreshError'>;
}

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC_ALGORITHMS: Readonly<Record<string, string>> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
/** Every asymmetric algorithm; JWKS keys narrow it further by their own type and `alg`. */
const PUBLIC_KEY_ALGORITHMS = [...RSA_ALGORITHMS, 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const DEFAULT_SUPERUSER_CLAIM = 'is_superuser';
/** EMQX's name of the claim holding the client's ACL (v1 object or v2 array). */
const DEFAULT_ACL_CLAIM = 'acl';
const HMAC_HASH: Readonly<Record<string, string>> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

/** The algorithms a PEM public key can verify: never HS* (algorithm confusion), never `none`. */
export function algorithmsForPublicKey(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return RSA_ALGORITHMS;
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const alg = EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (!alg) throw new Error(`jwt: unsupported EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '(unknown)'}`);
      return [alg];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      throw new Error(`jwt: unsupported public key type ${key.asymmetricKeyType ?? '(unknown)'}`);
  }
}

type ClaimValue = string | number | boolean;

interface TokenShape {
  alg: string;
}

/**
 * Three dot-separated base64url parts whose first decodes to a JSON object with an `alg`.
 * Anything else is not a JWT, so not this authenticator's to judge. The signature part may
 * be empty: an `alg: none` token is a JWT, and is refused, not ignored.
 */
function jwtShape(token: string): TokenShape | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header = '', payload = '', signature = ''] = parts;
  const b64url = /^[A-Za-z0-9_-]*$/;
  if (!header || !payload || ![header, payload, signature].every((p) => b64url.test(p))) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const { alg } = parsed as { alg?: unknown };
    return typeof alg === 'string' ? { alg } : undefined;
  } catch {
    return undefined;
  }
}

function denied(message: string): AuthResult {
  return { kind: 'deny', reason: 'bad-credentials', message };
}

function sameValue(expected: ClaimValue, actual: unknown): boolean {
  return typeof actual === typeof expected && actual === expected;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * JWT authentication (SPEC 4.3), verified with jose by an HMAC secret, a PEM public key or a
 * JWKS endpoint; the accepted algorithms follow the key (HS* for a secret only, `none` never).
 *
 * - No token (empty password/username), or text that is not a JWT → `ignore`.
 * - Bad signature, unknown key, `alg` not allowed, expired, not yet valid, issued in the
 *   future, a `verifyClaims` mismatch → `deny` `bad-credentials` with the precise cause.
 * - The JWKS endpoint unreachable with no cached keys → throws (backend-failure policy).
 * - `exp`, `nbf`, `iat` are checked when present, with `clockToleranceSeconds`. A token
 *   without `exp` is accepted (EMQX semantics) and then never expires.
 * - `verifyClaims`: each expected value (a literal, or a string with placeholders) must equal
 *   the claim, with its JSON type; an array claim matches when one element equals; an array
 *   of expected values matches when the claim equals one of them. A missing claim, or a
 *   placeholder the client did not present (no username, no certificate), never matches.
 * - The superuser claim (`superuserClaim`, default `is_superuser`) is true, "true" or 1.
 * - `allow.expiresAt` = `exp` when `disconnectOnExpiry`.
 */
export class JwtAuthenticator implements Authenticator {
  readonly type = 'jwt';
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];
  /**
   * The secret imported once per HS* algorithm: handed raw bytes, jose imports a CryptoKey on
   * every verification, which doubles its cost per CONNECT.
   */
  private readonly hmacKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
  private readonly jwks?: JwksCache;
  private readonly now: () => number;

  constructor(
    readonly id: string,
    private readonly config: JwtConfig,
    options: JwtAuthenticatorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    if (config.secret !== undefined) {
      this.key = config.secretBase64Encoded ? Buffer.from(config.secret, 'base64') : Buffer.from(config.secret, 'utf8');
      this.algorithms = HMAC_ALGORITHMS;
    } else if (config.publicKey !== undefined) {
      const key = createPublicKey(config.publicKey);
      this.key = key;
      this.algorithms = algorithmsForPublicKey(key);
    } else if (config.jwksUrl !== undefined) {
      this.jwks = new JwksCache({
        ...options.jwks,
        url: config.jwksUrl,
        allowList: options.outboundAllowList ?? [],
        refreshIntervalSeconds: config.refreshIntervalSeconds,
        now: this.now,
      });
      this.key = this.jwks.getKey;
      this.algorithms = PUBLIC_KEY_ALGORITHMS;
    } else {
      throw new Error('jwt: give one of secret, publicKey or jwksUrl');
    }
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const token = this.config.from === 'username' ? credentials.username : credentials.password?.toString('utf8');
    if (!token) return { kind: 'ignore' };
    const shape = jwtShape(token);
    if (!shape) return { kind: 'ignore' };
    if (shape.alg.toLowerCase() === 'none') return denied('unsigned token (alg none) refused');
    if (!this.algorithms.includes(shape.alg)) return denied(`algorithm ${shape.alg} not allowed for this key (${this.algorithms.join(', ')})`);

    const tolerance = this.config.clockToleranceSeconds;
    const now = this.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await this.verify(token, shape.alg, tolerance, now));
    } catch (error) {
      if (error instanceof errors.JOSEError) return denied(joseMessage(error));
      throw error;
    }

    const nowSeconds = Math.floor(now / 1000);
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + tolerance) {
      return denied(`token issued in the future (iat ${payload.iat}, now ${nowSeconds})`);
    }
    const mismatch = this.claimMismatch(payload, credentials);
    if (mismatch) return denied(mismatch);

    const superuserValue = payload[this.config.superuserClaim ?? DEFAULT_SUPERUSER_CLAIM];
    const superuser = superuserValue === true || superuserValue === 'true' || superuserValue === 1;
    const expiresAt = this.config.disconnectOnExpiry && typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined;
    const aclClaim = payload[this.config.aclClaim ?? DEFAULT_ACL_CLAIM];
    const acl = aclClaim === undefined ? undefined : parseJwtAclClaim(aclClaim);
    return { kind: 'allow', superuser, ...(expiresAt ? { expiresAt } : {}), ...(acl ? { acl } : {}) };
  }

  private async verify(token: string, alg: string, clockTolerance: number, now: number) {
    const options = { algorithms: this.algorithms, clockTolerance, currentDate: new Date(now) };
    const key = this.key;
    if (key instanceof Uint8Array) return jwtVerify(token, await this.hmacKey(key, alg), { ...options, algorithms: [alg] });
    // jose types the key and the key-getter forms as separate overloads.
    return typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options);
  }

  private hmacKey(secret: Uint8Array, alg: string): Promise<webcrypto.CryptoKey> {
    let key = this.hmacKeys.get(alg);
    if (!key) {
      key = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: HMAC_HASH[alg] ?? 'SHA-256' }, false, ['verify']);
      this.hmacKeys.set(alg, key);
    }
    return key;
  }

  /** Why the claims do not satisfy `verifyClaims`, or undefined when they do. */
  private claimMismatch(payload: JWTPayload, credentials: ConnectCredentials): string | undefined {
    let values: PlaceholderValues | undefined;
    for (const [name, expectedSpec] of Object.entries(this.config.verifyClaims)) {
      values ??= placeholderValues(credentials);
      if (!Object.hasOwn(payload, name)) return `claim ${name} missing`;
      const actual = payload[name];
      const candidates: ClaimValue[] = [];
      for (const spec of Array.isArray(expectedSpec) ? expectedSpec : [expectedSpec]) {
        if (typeof spec !== 'string') candidates.push(spec);
        else if (missingPlaceholders(spec, values).length === 0) candidates.push(renderTemplate(spec, values));
      }
      const actuals: unknown[] = Array.isArray(actual) ? actual : [actual];
      if (!candidates.some((expected) => actuals.some((value) => sameValue(expected, value)))) {
        const wanted = candidates.length === 0 ? `${show(expectedSpec)} (the client presented no value for it)` : candidates.map(show).join(' or ');
        return `claim ${name} is ${show(actual)}, expected ${wanted}`;
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.jwks?.close();
  }
}

function joseMessage(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return `token expired (${error.claim} ${show(error.payload[error.claim])})`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return `token not valid yet (nbf ${show(error.payload.nbf)})`;
    return `claim ${error.claim} invalid: ${error.message}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return `token algorithm not allowed: ${error.message}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token (kid/alg)';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'several JWKS keys match a token without kid';
  return `invalid token: ${error.message}`;
}
