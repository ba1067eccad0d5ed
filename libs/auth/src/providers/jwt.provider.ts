import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { boundedInt, configObject, secretText, serviceUrl, template } from '../config/common';
import { outboundUrl } from '../config/field-markers';
import { defineProvider } from './provider';

const claimValue = z.union([template('verifyClaims value', 1024), z.number(), z.boolean()], {
  error: 'a claim must be compared with a string, a number or a boolean',
});

function isPublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).type === 'public';
  } catch {
    return false;
  }
}

const KEY_SOURCES = ['secret', 'publicKey', 'jwksUrl'] as const;

/**
 * SPEC 4.3: verification by an HMAC secret (optionally base64), a PEM public key
 * (RS/PS/ES/EdDSA) or a JWKS endpoint — exactly one of them.
 */
export const jwtConfigSchema = configObject('jwt', {
  /** Where the token is: the MQTT password (default) or the username. */
  from: z.enum(['password', 'username'], { error: 'from must be password or username' }).default('password'),
  secret: secretText('secret').optional(),
  secretBase64Encoded: z.boolean({ error: 'secretBase64Encoded must be a boolean' }).default(false),
  publicKey: z
    .string({ error: 'publicKey must be a PEM string' })
    .max(16_384, { error: 'publicKey must be at most 16384 characters' })
    .refine(isPublicKey, { error: 'publicKey must be a PEM public key (-----BEGIN PUBLIC KEY-----) or certificate' })
    .optional(),
  jwksUrl: outboundUrl(serviceUrl('jwksUrl', ['https', 'http'])).optional(),
  /** JWKS refresh; an unknown `kid` also triggers a (rate-limited) refresh. */
  refreshIntervalSeconds: boundedInt('refreshIntervalSeconds', 10, 86_400).default(300),
  /** Claims compared with literal values or placeholders, e.g. `{"sub": "${clientid}"}`; arrays match any element. */
  verifyClaims: z
    .record(z.string().min(1, { error: 'a claim name must not be empty' }), z.union([claimValue, z.array(claimValue).min(1)]), {
      error: 'verifyClaims must be an object of claim names and values',
    })
    .default({}),
  /** Allowed clock skew on exp, nbf and iat. */
  clockToleranceSeconds: boundedInt('clockToleranceSeconds', 0, 300).default(30),
  /** Disconnect the client when its token expires. */
  disconnectOnExpiry: z.boolean({ error: 'disconnectOnExpiry must be a boolean' }).default(true),
  /** A boolean claim that makes the client a superuser. */
  superuserClaim: z.string().min(1).max(256).optional(),
  /** A claim holding the client's ACL. */
  aclClaim: z.string().min(1).max(256).optional(),
}).superRefine((config, ctx) => {
  const given = KEY_SOURCES.filter((key) => config[key] !== undefined);
  if (given.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['secret'], message: 'give one of secret, publicKey or jwksUrl to verify tokens with' });
  }
  for (const extra of given.slice(1)) {
    ctx.addIssue({ code: 'custom', path: [extra], message: `give only one of secret, publicKey or jwksUrl (${given[0]} is already given)` });
  }
  if (config.secretBase64Encoded && config.secret !== undefined && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(config.secret)) {
    ctx.addIssue({ code: 'custom', path: ['secret'], message: 'secret is not base64 although secretBase64Encoded is true' });
  }
  if (config.secretBase64Encoded && config.secret === undefined && given.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['secretBase64Encoded'], message: 'secretBase64Encoded applies to secret only' });
  }
});

export type JwtConfig = z.output<typeof jwtConfigSchema>;

export const jwtProvider = defineProvider({
  type: 'jwt',
  method: 'jwt',
  perChain: 'many',
  config: jwtConfigSchema,
});
