import { EDITION_PASSWORD_HASHING, type EditionName } from '@mqc/editions';
import { DIGEST_LENGTH, passwordHashParamsSchema, type PasswordHashParams, type PbkdfMac } from './password-hash-params';

/*
 * What a hash costs, in reference core-seconds: a model, not a clock, so a budget refuses the
 * same file every time. Measured on the 2-core machine of issue 11 and rounded: bcrypt 10 in
 * 0.1 s (each round doubles it), PBKDF2 per 100,000 iterations 0.1 s (SHA-1), 0.05 s (SHA-256),
 * 0.11 s (SHA-512), argon2id 2 µs per KiB and pass (64 MiB × 3 passes: 0.4 s).
 */
const BCRYPT_10_SECONDS = 0.1;
const PBKDF2_SECONDS_PER_ITERATION: Readonly<Record<PbkdfMac, number>> = { sha1: 1e-6, sha256: 0.5e-6, sha512: 1.1e-6 };
const ARGON2_SECONDS_PER_KIB_PASS = 2e-6;

/** PBKDF2 work: one chain of `iterations` per digest-sized block of the derived key. */
export function pbkdf2CostSeconds(macFun: PbkdfMac, iterations: number, keyLength = DIGEST_LENGTH[macFun]): number {
  return Math.ceil(keyLength / DIGEST_LENGTH[macFun]) * iterations * PBKDF2_SECONDS_PER_ITERATION[macFun];
}

/** The modelled cost of one hash with these parameters; the fast salted digests cost 0. */
export function hashCostSeconds(input: PasswordHashParams): number {
  const parsed = passwordHashParamsSchema.safeParse(input);
  if (!parsed.success) return 0;
  const params = parsed.data;
  switch (params.name) {
    case 'bcrypt':
      return BCRYPT_10_SECONDS * 2 ** (params.rounds - 10);
    case 'pbkdf2':
      return pbkdf2CostSeconds(params.macFun, params.iterations, params.keyLength);
    case 'argon2id':
      return params.memoryCost * params.timeCost * ARGON2_SECONDS_PER_KIB_PASS;
    default:
      return 0;
  }
}

/** A cost parameter above the edition's cap: `field` is its name inside `passwordHash`. */
export interface HashCostProblem {
  field: 'rounds' | 'iterations' | 'memoryCost' | 'timeCost';
  value: number;
  limit: number;
  message: string;
}

/**
 * The parameters of `input` above the caps of `edition` (EDITION_PASSWORD_HASHING). Invalid
 * parameters yield none: the schema reports those.
 */
export function hashCostAboveEdition(input: PasswordHashParams, edition: EditionName): HashCostProblem[] {
  const parsed = passwordHashParamsSchema.safeParse(input);
  if (!parsed.success) return [];
  const params = parsed.data;
  const caps = EDITION_PASSWORD_HASHING[edition];
  const problems: HashCostProblem[] = [];
  const check = (field: HashCostProblem['field'], what: string, value: number, limit: number) => {
    if (value > limit) problems.push({ field, value, limit, message: `${what} ${value} is above the ${edition} edition's limit of ${limit}` });
  };
  if (params.name === 'bcrypt') check('rounds', 'bcrypt rounds', params.rounds, caps.bcryptRounds);
  if (params.name === 'pbkdf2') check('iterations', 'pbkdf2 iterations', params.iterations, caps.pbkdf2Iterations);
  if (params.name === 'argon2id') {
    check('memoryCost', 'argon2id memoryCost (KiB)', params.memoryCost, caps.argon2MemoryCostKiB);
    check('timeCost', 'argon2id timeCost', params.timeCost, caps.argon2TimeCost);
  }
  return problems;
}
