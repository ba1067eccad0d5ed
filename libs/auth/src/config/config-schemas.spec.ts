import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUTHENTICATOR_TYPES } from '../providers/authenticator-providers';
import { AUTHENTICATOR_CONFIG_SCHEMAS, OUTBOUND_URL_FIELDS, SECRET_FIELDS, outboundUrls } from './registry';

function problems(type: keyof typeof AUTHENTICATOR_CONFIG_SCHEMAS, config: unknown): { field: string; message: string }[] {
  const result = AUTHENTICATOR_CONFIG_SCHEMAS[type].safeParse(config);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
}

const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** The request shapes of SPEC 9, one per type: each must pass as written. */
const SPEC_EXAMPLES: Record<string, unknown[]> = {
  'built-in-database': [{ userIdType: 'username', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 } }],
  jwt: [
    { from: 'password', secret: 'hmac-secret', secretBase64Encoded: false, verifyClaims: { sub: '${clientid}' }, disconnectOnExpiry: true },
    { publicKey },
    { jwksUrl: 'https://auth.example.com/.well-known/jwks.json', refreshIntervalSeconds: 300 },
  ],
  http: [
    {
      method: 'POST',
      url: 'https://auth.example.com/mqtt',
      headers: { 'x-api-key': 'k' },
      body: { clientid: '${clientid}', username: '${username}', password: '${password}' },
      timeoutMs: 5000,
      concurrency: 8,
    },
  ],
  'device-secret': [{ maxTokenLifetimeSeconds: 31536000 }],
  x509: [{ identityFrom: 'cn', as: 'clientid' }],
  postgresql: [
    {
      url: 'postgres://mqtt:pw@db.example.com/auth',
      passwordHash: { name: 'sha256', saltPosition: 'prefix' },
      query: 'SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = ${username} LIMIT 1',
    },
  ],
  mysql: [{ url: 'mysql://mqtt@db.example.com/auth', query: 'SELECT password_hash FROM mqtt_user WHERE username = ${username}' }],
  redis: [{ url: 'redis://cache.example.com', command: 'HMGET mqtt_user:${username} password_hash salt is_superuser', passwordHash: { name: 'bcrypt' } }],
  mongodb: [{ url: 'mongodb+srv://app:pw@cluster.example.net', database: 'mqtt', collection: 'users', filter: { username: '${username}' } }],
  ldap: [{ url: 'ldap://ldap.example.com', baseDn: 'ou=devices,dc=example,dc=com', filter: '(uid=${username})', method: 'bind' }],
  scram: [{ algorithm: 'sha256', iterationCount: 4096 }],
  psk: [{ identities: { 'device-1': '00112233445566778899aabbccddeeff' } }],
};

describe('the authenticator config schemas', () => {
  it('has a schema, secret fields and URL fields for every type', () => {
    for (const type of AUTHENTICATOR_TYPES) {
      expect(AUTHENTICATOR_CONFIG_SCHEMAS[type]).toBeDefined();
      expect(SECRET_FIELDS[type]).toBeDefined();
      expect(OUTBOUND_URL_FIELDS[type]).toBeDefined();
    }
  });

  it.each(AUTHENTICATOR_TYPES.flatMap((type) => (SPEC_EXAMPLES[type] ?? []).map((example, i) => [`${type} #${i + 1}`, type, example] as const)))(
    'accepts the SPEC 9 example %s',
    (_, type, example) => {
      expect(problems(type, example)).toEqual([]);
    },
  );

  it('parses its own output again to the same value (the broker re-parses what is stored)', () => {
    for (const type of AUTHENTICATOR_TYPES) {
      for (const example of SPEC_EXAMPLES[type] ?? []) {
        const once = AUTHENTICATOR_CONFIG_SCHEMAS[type].parse(example);
        expect(AUTHENTICATOR_CONFIG_SCHEMAS[type].parse(once)).toEqual(once);
      }
    }
  });

  it('refuses unknown fields by name', () => {
    expect(problems('x509', { identityFrom: 'cn', scret: 'x' })).toEqual([{ field: '', message: 'unknown field(s) for x509: scret' }]);
  });

  it.each(AUTHENTICATOR_TYPES.map((type) => [type]))('%s refuses an unknown field by name (every schema is closed)', (type) => {
    const example = (SPEC_EXAMPLES[type] ?? [{}])[0] as Record<string, unknown>;
    expect(problems(type, { ...example, notAField: 1 })).toContainEqual({ field: '', message: `unknown field(s) for ${type}: notAField` });
  });

  it('refuses an EMQX-style built-in-database configuration and a misspelt userIdType instead of using defaults', () => {
    const emqx = { mechanism: 'password_based', backend: 'built_in_database', user_id_type: 'clientid', password_hash_algorithm: { name: 'bcrypt' } };
    expect(problems('built-in-database', emqx)).toEqual([
      { field: '', message: 'unknown field(s) for built-in-database: mechanism, backend, user_id_type, password_hash_algorithm' },
    ]);
    expect(problems('built-in-database', { userIDType: 'clientid' })).toEqual([{ field: '', message: 'unknown field(s) for built-in-database: userIDType' }]);
  });
});

describe('jwt', () => {
  it('names the secret field when no key source is given', () => {
    expect(problems('jwt', {})).toEqual([{ field: 'secret', message: 'give one of secret, publicKey or jwksUrl to verify tokens with' }]);
  });

  it('refuses two key sources', () => {
    expect(problems('jwt', { secret: 's', jwksUrl: 'https://a.example/jwks' })).toEqual([
      { field: 'jwksUrl', message: 'give only one of secret, publicKey or jwksUrl (secret is already given)' },
    ]);
  });

  it('fills the defaults of SPEC 4.3', () => {
    expect(AUTHENTICATOR_CONFIG_SCHEMAS.jwt.parse({ secret: 's' })).toMatchObject({ from: 'password', disconnectOnExpiry: true, verifyClaims: {}, secretBase64Encoded: false });
  });

  it('refuses a public key that is not one, a non-base64 secret and an unknown placeholder', () => {
    expect(problems('jwt', { publicKey: 'nope' })[0]?.field).toBe('publicKey');
    expect(problems('jwt', { secret: 'not base64!', secretBase64Encoded: true })[0]).toEqual({
      field: 'secret',
      message: 'secret is not base64 although secretBase64Encoded is true',
    });
    expect(problems('jwt', { secret: 's', verifyClaims: { sub: '${client_id}' } })[0]?.message).toMatch(/unknown placeholder\(s\) \$\{client_id\}/);
  });

  it('refuses a JWKS URL that is not http(s)', () => {
    expect(problems('jwt', { jwksUrl: 'ftp://x.example/jwks' })).toEqual([{ field: 'jwksUrl', message: 'jwksUrl must start with https:// or http://' }]);
  });
});

describe('http', () => {
  it('fills timeout 5 s and concurrency 8', () => {
    expect(AUTHENTICATOR_CONFIG_SCHEMAS.http.parse({ url: 'https://a.example/auth' })).toEqual({
      method: 'POST',
      url: 'https://a.example/auth',
      headers: {},
      body: {},
      timeoutMs: 5000,
      concurrency: 8,
    });
  });

  it('refuses an http(s) URL that an HTTP client would read differently: a backslash, a tab', () => {
    expect(problems('http', { url: 'http://127.0.0.1:28080\\@8.8.8.8/' })).toEqual([
      { field: 'url', message: 'url must not contain a backslash (\\): HTTP clients read it as /; write %5C if it is data' },
    ]);
    expect(problems('jwt', { jwksUrl: 'https://8.8.8.8\t@127.0.0.1/jwks' })).toEqual([{ field: 'jwksUrl', message: 'jwksUrl must not contain spaces or control characters' }]);
  });

  it('refuses other methods, a missing URL, reserved headers and unknown placeholders in the body', () => {
    expect(problems('http', { method: 'PUT', url: 'https://a.example' })).toEqual([{ field: 'method', message: 'method must be GET or POST' }]);
    expect(problems('http', {})[0]?.field).toBe('url');
    expect(problems('http', { url: 'https://a.example', headers: { Host: 'x' } })[0]?.field).toBe('headers.Host');
    expect(problems('http', { url: 'https://a.example', body: { a: { b: ['${nope}'] } } })[0]?.field).toBe('body.a.b.0');
  });
});

describe('redis', () => {
  it.each([
    ['SET mqtt_user:${username} x', 'command must be HGET or HMGET (a read of a hash), not SET'],
    ['GET mqtt_user:${username}', 'command must be HGET or HMGET (a read of a hash), not GET'],
    ['HMGET', 'HMGET needs a key, e.g. mqtt_user:${username}'],
    ['HMGET mqtt_user:${username}', 'HMGET needs the field(s) to read after the key'],
    ['HGET k password_hash salt', 'HGET reads one field; use HMGET to read several'],
    ['HMGET k password_hash secret', 'unknown field(s) secret; fields are password_hash, password, salt, is_superuser'],
    ['HMGET k salt is_superuser', 'HMGET must read password_hash (or password)'],
  ])('refuses %s precisely', (command, message) => {
    expect(problems('redis', { url: 'redis://c.example', command })).toEqual([{ field: 'command', message }]);
  });

  it('accepts HGET of the hash, in any case', () => {
    expect(problems('redis', { url: 'redis://c.example', command: 'hget mqtt_user:${clientid} password_hash' })).toEqual([]);
  });
});

describe('the database types', () => {
  it('refuses a statement that is not a single SELECT', () => {
    expect(problems('postgresql', { url: 'postgres://d.example/x', query: 'DELETE FROM users' })[0]?.message).toBe('query must be a SELECT statement');
    expect(problems('mysql', { url: 'mysql://d.example/x', query: 'SELECT 1; DROP TABLE users' })[0]?.message).toMatch(/one statement/);
  });

  it('refuses the wrong URL scheme and an unknown hash algorithm', () => {
    expect(problems('postgresql', { url: 'mysql://d.example/x', query: 'SELECT 1' })[0]).toEqual({ field: 'url', message: 'url must start with postgres:// or postgresql://' });
    expect(problems('mysql', { url: 'mysql://d.example/x', query: 'SELECT 1', passwordHash: { name: 'crc32' } })[0]?.field).toBe('passwordHash.name');
  });

  it('needs a MongoDB filter and LDAP filter in parentheses', () => {
    expect(problems('mongodb', { url: 'mongodb://m.example', database: 'd', collection: 'c', filter: {} })[0]?.field).toBe('filter');
    expect(problems('ldap', { url: 'ldap://l.example', baseDn: 'dc=x', filter: 'uid=${username}' })[0]?.field).toBe('filter');
    expect(problems('ldap', { url: 'ldap://l.example', baseDn: 'dc=x', filter: '(uid=${username})', bindPassword: 'p' })[0]?.field).toBe('bindDn');
  });
});

describe('outboundUrls', () => {
  it('names the URL fields of a configuration', () => {
    expect(outboundUrls('jwt', { jwksUrl: 'https://a.example/j' })).toEqual([{ field: 'jwksUrl', url: 'https://a.example/j' }]);
    expect(outboundUrls('jwt', { secret: 's' })).toEqual([]);
    expect(outboundUrls('mongodb', { url: 'mongodb://a,b/x' })).toEqual([{ field: 'url', url: 'mongodb://a,b/x' }]);
  });
});

describe('the other types', () => {
  it('bounds device-secret lifetimes, SCRAM iterations and PSK keys', () => {
    expect(problems('device-secret', { maxTokenLifetimeSeconds: 10 })[0]?.field).toBe('maxTokenLifetimeSeconds');
    expect(problems('scram', { iterationCount: 1000 })[0]?.message).toBe('iterationCount must be an integer from 4096 to 1000000');
    expect(problems('scram', { algorithm: 'sha1' })[0]?.field).toBe('algorithm');
    expect(problems('psk', { identities: { d: 'abc' } })[0]).toEqual({ field: 'identities.d', message: 'a PSK must be 16 to 64 bytes, in hex' });
    expect(problems('x509', { as: 'password' })[0]?.field).toBe('as');
  });
});
