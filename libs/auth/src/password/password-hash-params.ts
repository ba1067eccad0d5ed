import { z } from 'zod';

/** SPEC 4.1: the hash algorithms a user row may record, with their parameters. */
export type PasswordHashParams =
  | { name: SimpleHashName; saltPosition: SaltPosition }
  | { name: 'bcrypt'; rounds?: number }
  | { name: 'pbkdf2'; macFun: PbkdfMac; iterations: number; keyLength?: number }
  | { name: 'argon2id'; memoryCost?: number; timeCost?: number; parallelism?: number };

/** A hash as a user row stores it. Self-describing hashes (bcrypt, argon2id) carry their salt: `salt` is ''. */
export interface StoredPassword {
  hash: string;
  salt: string;
  params: PasswordHashParams;
}

export const SIMPLE_HASH_NAMES = ['plain', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type SimpleHashName = (typeof SIMPLE_HASH_NAMES)[number];
export const SALT_POSITIONS = ['prefix', 'suffix', 'none'] as const;
export type SaltPosition = (typeof SALT_POSITIONS)[number];
export const PBKDF2_MACS = ['sha1', 'sha256', 'sha512'] as const;
export type PbkdfMac = (typeof PBKDF2_MACS)[number];

/** Digest length in bytes: pbkdf2's default key length. */
export const DIGEST_LENGTH: Readonly<Record<PbkdfMac, number>> = { sha1: 20, sha256: 32, sha512: 64 };

/**
 * Bounds and defaults. The upper bounds exist because every slow hash runs on the libuv pool
 * that all of a node's tenants share (SPEC 4.1: slow hashes must not stall the broker); they
 * also bound what a self-describing hash from an import may cost on each login.
 */
export const PASSWORD_HASH_LIMITS = {
  bcryptRounds: { min: 4, max: 15, default: 10 },
  pbkdf2Iterations: { min: 1, max: 2_000_000, default: 4096 },
  pbkdf2KeyLength: { min: 16, max: 1024 },
  /** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
  argon2MemoryCostKiB: { min: 1024, max: 262_144, default: 19_456 },
  argon2TimeCost: { min: 1, max: 16, default: 2 },
  argon2Parallelism: { min: 1, max: 16, default: 1 },
} as const;

function boundedInt(field: string, bounds: { min: number; max: number }) {
  const range = `from ${bounds.min} to ${bounds.max}`;
  return z
    .number({ error: `${field} must be a number` })
    .int({ error: `${field} must be an integer ${range}` })
    .min(bounds.min, { error: `${field} must be an integer ${range}` })
    .max(bounds.max, { error: `${field} must be an integer ${range}` });
}

function closedObject<T extends z.ZodRawShape>(algorithm: string, shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown field(s) for ${algorithm}: ${issue.keys.join(', ')}` : undefined,
  });
}

const L = PASSWORD_HASH_LIMITS;
const ALGORITHM_NAMES = [...SIMPLE_HASH_NAMES, 'bcrypt', 'pbkdf2', 'argon2id'].join(', ');

/**
 * The `passwordHash` setting as the console API accepts it: unknown algorithms and unknown
 * fields are refused by name; omitted parameters take their defaults.
 */
export const passwordHashParamsSchema = z.discriminatedUnion(
  'name',
  [
    closedObject('salted hashes', {
      name: z.enum(SIMPLE_HASH_NAMES),
      saltPosition: z
        .enum(SALT_POSITIONS, { error: `saltPosition must be one of ${SALT_POSITIONS.join(', ')}` })
        .default('prefix'),
    }),
    closedObject('bcrypt', {
      name: z.literal('bcrypt'),
      rounds: boundedInt('bcrypt rounds', L.bcryptRounds).default(L.bcryptRounds.default),
    }),
    closedObject('pbkdf2', {
      name: z.literal('pbkdf2'),
      macFun: z.enum(PBKDF2_MACS, { error: `pbkdf2 macFun must be one of ${PBKDF2_MACS.join(', ')}` }),
      iterations: boundedInt('pbkdf2 iterations', L.pbkdf2Iterations).default(L.pbkdf2Iterations.default),
      /** Bytes of derived key; omitted means the digest length of `macFun`. */
      keyLength: boundedInt('pbkdf2 keyLength', L.pbkdf2KeyLength).optional(),
    }),
    closedObject('argon2id', {
      name: z.literal('argon2id'),
      memoryCost: boundedInt('argon2id memoryCost (KiB)', L.argon2MemoryCostKiB).default(L.argon2MemoryCostKiB.default),
      timeCost: boundedInt('argon2id timeCost', L.argon2TimeCost).default(L.argon2TimeCost.default),
      parallelism: boundedInt('argon2id parallelism', L.argon2Parallelism).default(L.argon2Parallelism.default),
    }),
  ],
  {
    error: (issue) => {
      if (issue.code === 'invalid_union') return `name must be one of ${ALGORITHM_NAMES}`;
      if (issue.code === 'invalid_type') return 'passwordHash must be an object';
      return undefined;
    },
  },
);

/** What the API accepts (defaults may be omitted). */
export type PasswordHashParamsInput = z.input<typeof passwordHashParamsSchema>;
/** Parameters with every default filled in. */
export type ResolvedPasswordHashParams = z.output<typeof passwordHashParamsSchema>;
