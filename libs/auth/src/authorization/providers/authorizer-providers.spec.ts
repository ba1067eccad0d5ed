import { describe, expect, it } from 'vitest';
import { markedFields } from '../../config/field-markers';
import { AUTHORIZER_TYPES, authorizerProviderOf, editionAllowsAuthorizer, httpAuthorizerConfigSchema, mysqlAuthorizerConfigSchema, postgresqlAuthorizerConfigSchema, redisAuthorizerConfigSchema } from './index';

describe('authorizer providers', () => {
  it('lists each type once, from its provider', () => {
    expect(AUTHORIZER_TYPES).toEqual(['built-in-database', 'client-info', 'http', 'postgresql', 'mysql', 'redis']);
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

  it('gates the postgresql, mysql and redis authorizers on platinum, several per chain', () => {
    for (const type of ['postgresql', 'mysql', 'redis'] as const) {
      expect(editionAllowsAuthorizer('professional', type), type).toBe(false);
      expect(editionAllowsAuthorizer('platinum', type), type).toBe(true);
      expect(authorizerProviderOf(type).perChain).toBe('many');
    }
  });

  it('reads the database authorizers\' connection settings as the authenticators do, secrets marked, and fills the defaults', () => {
    const pg = postgresqlAuthorizerConfigSchema.parse({ url: 'postgres://mqc:pw@db.example.com/acl', query: 'SELECT action, permission, topic, qos, retain FROM mqtt_acl WHERE username = ${username}' });
    expect(pg).toMatchObject({ timeoutMs: 5000, poolSize: 8, cacheTtlSeconds: 60 });
    expect(markedFields(postgresqlAuthorizerConfigSchema)).toMatchObject({ secrets: expect.arrayContaining([expect.objectContaining({ path: ['url'] }), expect.objectContaining({ path: ['password'] })]), outboundUrls: ['url'] });
    expect(markedFields(redisAuthorizerConfigSchema).outboundUrls).toEqual(['url']);
    expect(postgresqlAuthorizerConfigSchema.safeParse({ url: 'postgres://db.example.com/acl?host=10.0.0.1', query: 'SELECT topic FROM a' }).error?.issues[0]?.message).toMatch(/parameter host is not supported/);
    expect(mysqlAuthorizerConfigSchema.safeParse({ url: 'postgres://db.example.com/acl', query: 'SELECT topic FROM a' }).error?.issues[0]?.message).toMatch(/url must start with mysql:\/\//);
  });

  it('binds the query\'s placeholders: refuses them quoted, refuses ${password} and unknown ones, refuses a second statement', () => {
    const messages = (query: string) => mysqlAuthorizerConfigSchema.safeParse({ url: 'mysql://db.example.com/acl', query }).error?.issues.map((i) => i.message) ?? [];
    expect(messages('SELECT action, permission, topic FROM mqtt_acl WHERE username = ${username} OR clientid = ${clientid}')).toEqual([]);
    expect(messages("SELECT action, permission, topic FROM mqtt_acl WHERE username = '${username}'")).toEqual([expect.stringMatching(/inside a quoted string/)]);
    expect(messages('SELECT action, permission, topic FROM mqtt_acl WHERE password = ${password}')).toEqual([expect.stringMatching(/unknown placeholder\(s\) \$\{password\}/)]);
    expect(messages('SELECT topic FROM mqtt_acl WHERE t = ${topic}')[0]).toMatch(/unknown placeholder\(s\) \$\{topic\}/);
    expect(messages('SELECT topic FROM a; DELETE FROM a')).toEqual([expect.stringMatching(/one statement/)]);
  });

  it('reads a redis ACL with HGETALL and a key only', () => {
    const message = (command: string) => redisAuthorizerConfigSchema.safeParse({ url: 'redis://cache.example.com', command }).error?.issues[0]?.message;
    expect(message('HGETALL mqtt_acl:${username}')).toBeUndefined();
    expect(message('HMGET mqtt_acl:${username} a')).toMatch(/command must be HGETALL/);
    expect(message('HGETALL')).toMatch(/needs a key/);
    expect(message('HGETALL mqtt_acl:${username} extra')).toMatch(/takes the key only/);
    expect(message('HGETALL mqtt_acl:${password}')).toMatch(/unknown placeholder/);
  });
});
