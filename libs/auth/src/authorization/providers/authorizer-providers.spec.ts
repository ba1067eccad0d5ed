import { describe, expect, it } from 'vitest';
import { AUTHORIZER_TYPES, authorizerProviderOf, editionAllowsAuthorizer, httpAuthorizerConfigSchema } from './index';

describe('authorizer providers', () => {
  it('lists each type once, from its provider', () => {
    expect(AUTHORIZER_TYPES).toEqual(['built-in-database', 'client-info', 'http']);
    for (const type of AUTHORIZER_TYPES) expect(authorizerProviderOf(type).type).toBe(type);
  });

  it('gates built-in rules on basic, client-info and http on professional', () => {
    expect(editionAllowsAuthorizer('basic', 'built-in-database')).toBe(true);
    expect(editionAllowsAuthorizer('basic', 'client-info')).toBe(false);
    expect(editionAllowsAuthorizer('basic', 'http')).toBe(false);
    expect(editionAllowsAuthorizer('professional', 'client-info')).toBe(true);
    expect(editionAllowsAuthorizer('professional', 'http')).toBe(true);
  });

  it('refuses unknown config fields by name and fills the http defaults', () => {
    expect(authorizerProviderOf('built-in-database').config.safeParse({ table: 'acl' }).success).toBe(false);
    const parsed = httpAuthorizerConfigSchema.parse({ url: 'https://authz.example.com/check' });
    expect(parsed).toMatchObject({ method: 'POST', concurrency: 8, cacheTtlSeconds: 60 });
    const refused = httpAuthorizerConfigSchema.safeParse({ url: 'https://authz.example.com/check', cacheTTL: 5 });
    expect(refused.success).toBe(false);
    expect(JSON.stringify(refused.error?.issues)).toContain('cacheTTL');
  });

  it('lets the http templates name what is authorized (${topic}, ${action}, ${qos}, ${retain}) and still refuses unknown placeholders', () => {
    const parsed = httpAuthorizerConfigSchema.safeParse({
      url: 'https://authz.example.com/check',
      headers: { 'x-topic': '${topic}' },
      body: { clientid: '${clientid}', topic: '${topic}', action: '${action}', qos: '${qos}', retain: '${retain}', cn: '${cert_common_name}' },
    });
    expect(parsed.success).toBe(true);
    const unknown = httpAuthorizerConfigSchema.safeParse({ url: 'https://authz.example.com/check', body: { t: '${payload}' } });
    expect(unknown.error?.issues[0]).toMatchObject({ path: ['body', 't'], message: expect.stringContaining('unknown placeholder(s) ${payload}') });
  });
});
