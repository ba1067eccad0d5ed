import { describe, expect, it } from 'vitest';
import { describeQuotaExcess, quotaExceeded } from './quota';

describe('quotaExceeded', () => {
  it('lets an instance fill its quota exactly', () => {
    expect(quotaExceeded('basic', 'authenticatorsPerChain', 1)).toBeUndefined();
    expect(quotaExceeded('basic', 'builtInUsers', 9_998, 2)).toBeUndefined();
  });

  it('names the quota, its limit, what is used and what would be added beyond it', () => {
    expect(quotaExceeded('basic', 'authenticatorsPerChain', 2)).toEqual({ quota: 'authenticatorsPerChain', limit: 2, used: 2, adding: 1 });
    expect(quotaExceeded('basic', 'builtInUsers', 9_999, 2)).toEqual({ quota: 'builtInUsers', limit: 10_000, used: 9_999, adding: 2 });
    expect(quotaExceeded('basic', 'registeredCaCertificates', 0)).toEqual({ quota: 'registeredCaCertificates', limit: 0, used: 0, adding: 1 });
  });

  it('reads the limit of the instance edition', () => {
    expect(quotaExceeded('professional', 'deviceCertificates', 99_999)).toBeUndefined();
    expect(quotaExceeded('professional', 'deviceCertificates', 100_000)?.limit).toBe(100_000);
    expect(quotaExceeded('platinum', 'deviceCertificates', 100_000)).toBeUndefined();
  });

  it('says it in words for the problem detail', () => {
    const excess = quotaExceeded('professional', 'authenticatorsPerChain', 8)!;
    expect(describeQuotaExcess('professional', excess)).toBe('the professional edition allows 8 authenticators per chain; 8 exist and this adds 1');
  });
});
