import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { markedFields, outboundUrl } from '../config/field-markers';
import { OUTBOUND_URL_FIELDS, SECRET_FIELDS } from '../config/registry';
import { AUTHENTICATOR_PROVIDERS, AUTHENTICATOR_TYPES, METHOD_OF_TYPE, editionAllowsType, editionChangeBlockers } from './authenticator-providers';

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

describe('the tables derived from the providers', () => {
  const databasePassword = [
    { path: ['url'], kind: 'url-password' },
    { path: ['password'], kind: 'value' },
  ];

  it('find every secret marked on a field', () => {
    expect(SECRET_FIELDS).toEqual({
      'built-in-database': [],
      jwt: [{ path: ['secret'], kind: 'value' }],
      http: [
        { path: ['url'], kind: 'url-password' },
        { path: ['headers', '*'], kind: 'value' },
      ],
      'device-secret': [],
      x509: [],
      postgresql: databasePassword,
      mysql: databasePassword,
      redis: databasePassword,
      mongodb: databasePassword,
      ldap: [
        { path: ['url'], kind: 'url-password' },
        { path: ['bindPassword'], kind: 'value' },
      ],
      scram: [],
      psk: [{ path: ['identities', '*'], kind: 'value' }],
    });
  });

  it('find every outbound URL marked on a field', () => {
    expect(OUTBOUND_URL_FIELDS).toEqual({
      'built-in-database': [],
      jwt: ['jwksUrl'],
      http: ['url'],
      'device-secret': [],
      x509: [],
      postgresql: ['url'],
      mysql: ['url'],
      redis: ['url'],
      mongodb: ['url'],
      ldap: ['url'],
      scram: [],
      psk: [],
    });
  });

  it('name each type once, with its method and how many a chain may hold', () => {
    expect(new Set(AUTHENTICATOR_TYPES).size).toBe(AUTHENTICATOR_PROVIDERS.length);
    expect(METHOD_OF_TYPE).toMatchObject({ x509: 'x509-mtls', postgresql: 'external-database', 'built-in-database': 'password' });
    expect(AUTHENTICATOR_PROVIDERS.filter((p) => p.perChain === 'once').map((p) => p.type)).toEqual(['built-in-database', 'device-secret', 'x509', 'scram', 'psk']);
  });

  it('refuse a mark the walk cannot place', () => {
    expect(() => markedFields(z.object({ nested: z.object({ url: outboundUrl(z.string()) }) }))).toThrow(/top-level/);
  });
});
