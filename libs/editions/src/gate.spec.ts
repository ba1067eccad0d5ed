import { describe, expect, it } from 'vitest';
import { AUTHENTICATOR_TYPES, EDITIONS, editionAllowsType, editionChangeBlockers, lowestEditionWith } from './index';

describe('the edition catalog', () => {
  it('follows the SPEC matrix of methods per edition', () => {
    const matrix = Object.fromEntries(
      AUTHENTICATOR_TYPES.map((type) => [type, (['basic', 'professional', 'platinum'] as const).map((e) => editionAllowsType(e, type))]),
    );
    expect(matrix).toEqual({
      'built-in-database': [true, true, true],
      x509: [true, true, true],
      jwt: [false, true, true],
      http: [false, true, true],
      'device-secret': [false, true, true],
      postgresql: [false, false, true],
      mysql: [false, false, true],
      redis: [false, false, true],
      mongodb: [false, false, true],
      ldap: [false, false, true],
      scram: [false, false, true],
      psk: [false, false, true],
    });
  });

  it('caps registered CAs at 32', () => {
    expect(Math.max(...Object.values(EDITIONS).map((e) => e.quotas.registeredCaCertificates))).toBe(32);
  });

  it('names the lowest edition that includes a method', () => {
    expect(lowestEditionWith('jwt')).toBe('professional');
    expect(lowestEditionWith('scram')).toBe('platinum');
    expect(lowestEditionWith('password')).toBe('basic');
  });
});

describe('editionChangeBlockers', () => {
  it('lets an upgrade pass', () => {
    expect(editionChangeBlockers('platinum', { enabledTypes: ['jwt', 'built-in-database'], counts: { builtInUsers: 20_000 } })).toEqual([]);
  });

  it('lists every method and quota a downgrade would break', () => {
    const blockers = editionChangeBlockers('basic', {
      enabledTypes: ['jwt', 'built-in-database', 'http'],
      counts: { builtInUsers: 20_000, authenticatorsPerChain: 3 },
    });
    expect(blockers).toEqual([
      { kind: 'method', method: 'jwt', authenticatorType: 'jwt' },
      { kind: 'method', method: 'http', authenticatorType: 'http' },
      { kind: 'quota', quota: 'builtInUsers', used: 20_000, limit: 10_000 },
      { kind: 'quota', quota: 'authenticatorsPerChain', used: 3, limit: 2 },
    ]);
  });
});
