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

  it('counts the authorization chain and the ACL rules per edition (2/8/16 authorizers, 100/10,000/100,000 rules)', () => {
    expect(quotaExceeded('basic', 'authorizersPerChain', 2)?.limit).toBe(2);
    expect(quotaExceeded('professional', 'authorizersPerChain', 8)?.limit).toBe(8);
    expect(quotaExceeded('platinum', 'authorizersPerChain', 15)).toBeUndefined();
    expect(quotaExceeded('basic', 'aclRules', 99)).toBeUndefined();
    expect(quotaExceeded('basic', 'aclRules', 60, 41)).toEqual({ quota: 'aclRules', limit: 100, used: 60, adding: 41 });
    expect(quotaExceeded('professional', 'aclRules', 10_000)?.limit).toBe(10_000);
    expect(quotaExceeded('platinum', 'aclRules', 99_999)).toBeUndefined();
    expect(describeQuotaExcess('basic', quotaExceeded('basic', 'aclRules', 100)!)).toBe('the basic edition allows 100 ACL rules; 100 exist and this adds 1');
  });

  it('says it in words for the problem detail', () => {
    const excess = quotaExceeded('professional', 'authenticatorsPerChain', 8)!;
    expect(describeQuotaExcess('professional', excess)).toBe('the professional edition allows 8 authenticators per chain; 8 exist and this adds 1');
  });
});
