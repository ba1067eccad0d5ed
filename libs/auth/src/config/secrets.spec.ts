import { describe, expect, it } from 'vitest';
import { AUTHENTICATOR_CONFIG_SCHEMAS, SECRET_FIELDS, parseStoredConfig } from './registry';
import { SECRET_MASK, maskSecrets, maskedPaths, mergeSecrets, parseConfigSecrets, restoreMaskedSecrets, serializeConfigSecrets, splitSecrets } from './secrets';

describe('splitSecrets and mergeSecrets', () => {
  it('takes a JWT secret out and puts it back', () => {
    const config = AUTHENTICATOR_CONFIG_SCHEMAS.jwt.parse({ secret: 'hmac!' });
    const { config: stored, secrets } = splitSecrets(config, SECRET_FIELDS.jwt);
    expect(stored).not.toHaveProperty('secret');
    expect(JSON.stringify(stored)).not.toContain('hmac!');
    expect(secrets).toEqual([{ path: ['secret'], kind: 'value', value: 'hmac!' }]);
    expect(mergeSecrets(stored, secrets)).toEqual(config);
  });

  it('takes every HTTP header value and the URL password, keeping the rest of the URL as written', () => {
    const config = AUTHENTICATOR_CONFIG_SCHEMAS.http.parse({
      url: 'https://hook:p%40ss@Auth.Example.com:8443/mqtt?x=1',
      headers: { 'x-api-key': 'k1', authorization: 'Basic Zm9vOmJhcg==' },
    });
    const { config: stored, secrets } = splitSecrets(config, SECRET_FIELDS.http);
    expect(stored['url']).toBe('https://hook@Auth.Example.com:8443/mqtt?x=1');
    expect(stored['headers']).toEqual({});
    expect(secrets).toHaveLength(3);
    expect(mergeSecrets(stored, secrets)).toEqual(config);
    expect(maskSecrets(stored, secrets)).toMatchObject({
      url: `https://hook:${SECRET_MASK}@Auth.Example.com:8443/mqtt?x=1`,
      headers: { 'x-api-key': SECRET_MASK, authorization: SECRET_MASK },
    });
  });

  it('round-trips through the sealed form, and the broker parses the merged config', () => {
    const config = AUTHENTICATOR_CONFIG_SCHEMAS.postgresql.parse({ url: 'postgres://u:pw@db.example/x', password: 'other', query: 'SELECT 1' });
    const { config: stored, secrets } = splitSecrets(config, SECRET_FIELDS.postgresql);
    const opened = serializeConfigSecrets(secrets);
    expect(parseConfigSecrets(opened)).toEqual(secrets);
    expect(parseStoredConfig('postgresql', stored, opened)).toEqual(config);
  });

  it('keeps a URL without a password untouched', () => {
    const { config: stored, secrets } = splitSecrets({ url: 'redis://cache.example:6379/0' }, SECRET_FIELDS.redis);
    expect(stored).toEqual({ url: 'redis://cache.example:6379/0' });
    expect(secrets).toEqual([]);
  });
});

describe('restoreMaskedSecrets', () => {
  it('turns masks sent back into the stored secrets, and keeps new values', () => {
    const previous = [
      { path: ['headers', 'x-api-key'], kind: 'value' as const, value: 'old-key' },
      { path: ['headers', 'x-other'], kind: 'value' as const, value: 'other' },
      { path: ['url'], kind: 'url-password' as const, value: 'old-pass' },
    ];
    const input = { url: `https://u:${SECRET_MASK}@a.example/`, headers: { 'x-api-key': SECRET_MASK, 'x-other': 'new' } };
    expect(restoreMaskedSecrets(input, previous)).toEqual({ url: 'https://u:old-pass@a.example/', headers: { 'x-api-key': 'old-key', 'x-other': 'new' } });
  });

  it('finds masks that stand for nothing', () => {
    expect(maskedPaths({ secret: SECRET_MASK }, SECRET_FIELDS.jwt)).toEqual([['secret']]);
    expect(maskedPaths({ url: `postgres://u:${SECRET_MASK}@h/x` }, SECRET_FIELDS.postgresql)).toEqual([['url']]);
    expect(maskedPaths({ secret: 'real' }, SECRET_FIELDS.jwt)).toEqual([]);
  });
});
