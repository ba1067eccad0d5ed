import { describe, expect, it } from 'vitest';
import { EDITIONS, lowestEditionWith } from './index';

describe('the edition catalog', () => {
  it('caps registered CAs at 32', () => {
    expect(Math.max(...Object.values(EDITIONS).map((e) => e.quotas.registeredCaCertificates))).toBe(32);
  });

  it('names the lowest edition that includes a method', () => {
    expect(lowestEditionWith('jwt')).toBe('professional');
    expect(lowestEditionWith('scram')).toBe('platinum');
    expect(lowestEditionWith('password')).toBe('basic');
  });
});
