import { describe, expect, it } from 'vitest';
import { EDITION_PASSWORD_HASHING, EDITION_NAMES } from '@mqc/editions';
import { hashCostAboveEdition, hashCostSeconds, pbkdf2CostSeconds } from './hash-cost';
import { PASSWORD_HASH_LIMITS } from './password-hash-params';

describe('hashCostSeconds', () => {
  it('models each algorithm: bcrypt doubles per round, pbkdf2 grows with iterations and key blocks, argon2id with memory × passes', () => {
    expect(hashCostSeconds({ name: 'sha256', saltPosition: 'prefix' })).toBe(0);
    expect(hashCostSeconds({ name: 'bcrypt', rounds: 10 })).toBeCloseTo(0.1);
    expect(hashCostSeconds({ name: 'bcrypt', rounds: 12 })).toBeCloseTo(0.4);
    expect(hashCostSeconds({ name: 'bcrypt' })).toBeCloseTo(0.1); // the default, 10
    expect(hashCostSeconds({ name: 'pbkdf2', macFun: 'sha256', iterations: 100_000 })).toBeCloseTo(0.05);
    expect(hashCostSeconds({ name: 'pbkdf2', macFun: 'sha256', iterations: 100_000, keyLength: 64 })).toBeCloseTo(0.1);
    expect(hashCostSeconds({ name: 'argon2id', memoryCost: 65_536, timeCost: 3, parallelism: 1 })).toBeCloseTo(0.393, 2);
    expect(pbkdf2CostSeconds('sha512', 10_000)).toBeCloseTo(0.011);
  });
});

describe('hashCostAboveEdition', () => {
  it('names each parameter above the edition cap, with the value and the cap', () => {
    expect(hashCostAboveEdition({ name: 'bcrypt', rounds: 13 }, 'basic')).toEqual([
      { field: 'rounds', value: 13, limit: 12, message: "bcrypt rounds 13 is above the basic edition's limit of 12" },
    ]);
    expect(hashCostAboveEdition({ name: 'bcrypt', rounds: 13 }, 'professional')).toEqual([]);
    expect(hashCostAboveEdition({ name: 'pbkdf2', macFun: 'sha256', iterations: 600_001 }, 'basic').map((p) => p.field)).toEqual(['iterations']);
    expect(hashCostAboveEdition({ name: 'argon2id', memoryCost: 131_072, timeCost: 4, parallelism: 1 }, 'basic').map((p) => p.field)).toEqual(['memoryCost', 'timeCost']);
    expect(hashCostAboveEdition({ name: 'sha512', saltPosition: 'suffix' }, 'basic')).toEqual([]);
  });

  it('lets every default through on every edition, and never caps above the process-wide bounds', () => {
    for (const edition of EDITION_NAMES) {
      for (const name of ['bcrypt', 'argon2id'] as const) expect(hashCostAboveEdition({ name }, edition)).toEqual([]);
      expect(hashCostAboveEdition({ name: 'pbkdf2', macFun: 'sha256', iterations: 4096 }, edition)).toEqual([]);
      const caps = EDITION_PASSWORD_HASHING[edition];
      expect(caps.bcryptRounds).toBeLessThanOrEqual(PASSWORD_HASH_LIMITS.bcryptRounds.max);
      expect(caps.pbkdf2Iterations).toBeLessThanOrEqual(PASSWORD_HASH_LIMITS.pbkdf2Iterations.max);
      expect(caps.argon2MemoryCostKiB).toBeLessThanOrEqual(PASSWORD_HASH_LIMITS.argon2MemoryCostKiB.max);
      expect(caps.argon2TimeCost).toBeLessThanOrEqual(PASSWORD_HASH_LIMITS.argon2TimeCost.max);
    }
  });

  it('ignores parameters the schema refuses anyway', () => {
    expect(hashCostAboveEdition({ name: 'bcrypt', rounds: 99 }, 'basic')).toEqual([]);
  });
});
