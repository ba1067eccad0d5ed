import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, testConfig } from '@mqc/testing';
import { DEFAULT_BODY_LIMIT, MAX_JSON_DEPTH } from '../common/request-body';
import { startControlPlaneFixture, type ControlPlaneFixture } from './control-plane.fixture.spec-helper';
import { newInstance } from './control-plane.spec-helper';
import { answerToPartialBody, rawRequest } from './raw-http.spec-helper';

interface Problem {
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

const TEN_MB = 10 * 1024 * 1024;
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('the API reads a body only after authenticating its sender, and only a small one', () => {
  const config = testConfig();
  let fx: ControlPlaneFixture;
  let key: string;
  let instance: string;

  beforeAll(async () => {
    fx = await startControlPlaneFixture(config);
    key = (await fx.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'bodies' })).body.apiKey.secret;
    instance = await newInstance(new ApiClient(fx.cp.url, key), 'platinum');
    await new ApiClient(fx.cp.url, key).post(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('answers four anonymous 10 MB nested-JSON requests 401 while their bodies are still unsent, then serves a legitimate request', async () => {
    const refused = await Promise.all(
      ['/v1/instances', '/v1/ops/tenants', `/v1/instances/${instance}/users`, `/v1/instances/${instance}/users/import?type=plain`].map((path) =>
        answerToPartialBody(fx.cp.url, {
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', authorization: path.includes('/ops/') ? 'Bearer wrong-operator-token' : 'Bearer mqc_wrong' },
          declaredLength: TEN_MB,
          firstChunk: '['.repeat(64 * 1024),
        }),
      ),
    );
    for (const response of refused) {
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      // The rest of the body is not read: the connection ends with the answer.
      expect(response.headers['connection']).toBe('close');
    }
    const legitimate = await new ApiClient(fx.cp.url, key).get<{ items: unknown[] }>('/v1/instances');
    expect(legitimate.status).toBe(200);
  });

  it('refuses an authenticated body above the default limit with 413, by its declared length or as it streams', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(DEFAULT_BODY_LIMIT), edition: 'basic' });
    const declared = await rawRequest(fx.cp.url, { method: 'POST', path: '/v1/instances', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
    expect(declared.status).toBe(413);
    expect(declared.json).toMatchObject({ code: 'body-too-large', limit: DEFAULT_BODY_LIMIT });
    // Chunked: no length to judge by, the reader stops at the limit.
    const streamed = await rawRequest(fx.cp.url, {
      method: 'POST',
      path: '/v1/instances',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
    });
    expect(streamed.status).toBe(413);
    expect(streamed.json['code']).toBe('body-too-large');
  });

  it(`refuses JSON nested more than ${MAX_JSON_DEPTH} deep with 400 before parsing it, and takes ${MAX_JSON_DEPTH}`, async () => {
    const api = new ApiClient(fx.cp.url, key);
    const deep = await api.request<Problem>('POST', '/v1/instances', nested(MAX_JSON_DEPTH + 1), { 'content-type': 'application/json' });
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('body-too-deep');
    expect(deep.body.detail).toContain(String(MAX_JSON_DEPTH));
    // Brackets inside strings are text, not nesting.
    const inString = await api.request<Problem>('POST', '/v1/instances', JSON.stringify({ name: nested(100), edition: 'nope' }), { 'content-type': 'application/json' });
    expect(inString.status).toBe(422);
    const deepest = await api.request<Problem>('POST', '/v1/instances', nested(MAX_JSON_DEPTH), { 'content-type': 'application/json' });
    expect(deepest.status).toBe(422);
  });

  it('refuses a body with a missing or wrong content-type with 415', async () => {
    const json = JSON.stringify({ name: 'typed', edition: 'basic' });
    const wrong = await rawRequest(fx.cp.url, { method: 'POST', path: '/v1/instances', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, body: json });
    expect(wrong.status).toBe(415);
    expect(wrong.json).toMatchObject({ code: 'unsupported-media-type', accepted: ['application/json'] });
    const missing = await rawRequest(fx.cp.url, { method: 'POST', path: '/v1/instances', headers: { authorization: `Bearer ${key}` }, body: json });
    expect(missing.status).toBe(415);
    expect(missing.json['detail']).toContain('content-type');
    const compressed = await rawRequest(fx.cp.url, { method: 'POST', path: '/v1/instances', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: json });
    expect(compressed.status).toBe(415);
  });

  it('takes a user import above the default limit, read after authentication', async () => {
    const rows = JSON.stringify([{ user_id: 'bulk-1', password: 'p' }]);
    const padded = `${rows}${' '.repeat(DEFAULT_BODY_LIMIT + 1024)}`;
    const imported = await new ApiClient(fx.cp.url, key).request<{ imported: number }>('POST', `/v1/instances/${instance}/users/import?type=plain`, padded, { 'content-type': 'application/json' });
    expect(imported.status).toBe(201);
    expect(imported.body.imported).toBe(1);
  });
});

describe('the API refuses text the database cannot store, and cursors beyond range, naming the field', () => {
  const config = testConfig();
  let fx: ControlPlaneFixture;
  let instance: string;

  beforeAll(async () => {
    fx = await startControlPlaneFixture(config);
    instance = await newInstance(fx.tenant.api, 'platinum');
    await fx.tenant.api.post(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: {} });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('refuses a NUL byte in a body field with 422 naming it', async () => {
    const response = await fx.tenant.api.post<Problem>(`/v1/instances/${instance}/users`, { userId: 'a\u0000b', password: 'p' });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ field: 'userId', message: expect.stringContaining('NUL') }]);
  });

  it('refuses a lone surrogate in a body field with 422 naming it', async () => {
    const text = '{"userId":"sensor-\\ud800","password":"p"}';
    const response = await fx.tenant.api.request<Problem>('POST', `/v1/instances/${instance}/users`, text, { 'content-type': 'application/json' });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ field: 'userId', message: expect.stringContaining('surrogate') }]);
    const nestedField = await fx.tenant.api.request<Problem>('POST', `/v1/instances/${instance}/authenticators`, '{"type":"jwt","config":{"secret":"\\udc00"}}', { 'content-type': 'application/json' });
    expect(nestedField.status).toBe(422);
    expect(nestedField.body.errors?.[0]?.field).toBe('config.secret');
  });

  it('refuses a NUL byte in a query or path parameter with 422 naming it', async () => {
    const query = await fx.tenant.api.get<Problem>(`/v1/instances/${instance}/users?after=%00`);
    expect(query.status).toBe(422);
    expect(query.body.errors?.[0]?.field).toBe('after');
    const path = await fx.tenant.api.get<Problem>(`/v1/instances/${instance}/users/a%00b`);
    expect(path.status).toBe(422);
    expect(path.body.errors?.[0]?.field).toBe('userId');
    const device = await fx.tenant.api.delete<Problem>(`/v1/instances/${instance}/devices/%00`);
    expect(device.status).toBe(422);
    expect(device.body.errors?.[0]?.field).toBe('clientId');
  });

  it('refuses a path that is not UTF-8 with 400', async () => {
    const response = await fx.tenant.api.get<Problem>(`/v1/instances/${instance}/users/%ED%A0%80`);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('malformed-path');
  });

  it('refuses an audit cursor beyond the range of event ids with 422 naming it', async () => {
    const response = await fx.tenant.api.get<Problem>('/v1/audit-events?before=99999999999999999999');
    expect(response.status).toBe(422);
    expect(response.body.errors?.[0]?.field).toBe('before');
    expect((await fx.tenant.api.get('/v1/audit-events?before=9223372036854775807')).status).toBe(200);
  });

  it('refuses an instance cursor it did not give out with 400 naming it', async () => {
    for (const cursor of ['nonsense', Buffer.from('99999999-9999-9999-9999-99999999999999').toString('base64url'), '%F0%9F']) {
      const response = await fx.tenant.api.get<Problem>(`/v1/instances?cursor=${cursor}`);
      expect(response.status, cursor).toBe(400);
      expect(response.body.errors?.[0]?.field, cursor).toBe('cursor');
    }
  });
});

describe('failed authentications per source address are limited', () => {
  const config = testConfig();
  let fx: ControlPlaneFixture;
  let key: string;

  const attempt = (token: string, localAddress: string, path = '/v1/instances') => rawRequest(fx.cp.url, { method: 'GET', path, headers: { authorization: `Bearer ${token}` }, localAddress });

  beforeAll(async () => {
    fx = await startControlPlaneFixture(config);
    key = (await fx.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'guessed' })).body.apiKey.secret;
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('answers 429 with Retry-After after 20 wrong API keys from one address, even to the right key; other addresses go on', async () => {
    for (let i = 0; i < 20; i++) expect((await attempt(`mqc_guess-${i}`, '127.0.0.2')).status).toBe(401);
    const throttled = await attempt('mqc_guess-20', '127.0.0.2');
    expect(throttled.status).toBe(429);
    expect(throttled.json['code']).toBe('too-many-failed-authentications');
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect((await attempt(key, '127.0.0.2')).status).toBe(429);
    expect((await attempt(key, '127.0.0.3')).status).toBe(200);
  });

  it('checks no more than 20 keys of a parallel burst from one address', async () => {
    const burst = await Promise.all(Array.from({ length: 60 }, (_, i) => attempt(i === 45 ? key : `mqc_burst-${i}`, '127.0.0.7')));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
  });

  it('counts wrong operator tokens the same way', async () => {
    for (let i = 0; i < 20; i++) expect((await attempt(`operator-guess-${i}`, '127.0.0.4', '/v1/ops/tenants')).status).toBe(401);
    expect((await attempt(config.operatorToken, '127.0.0.4', '/v1/ops/tenants')).status).toBe(429);
  });

  it('does not reset the count on a success', async () => {
    for (let i = 0; i < 10; i++) expect((await attempt(`mqc_guess-${i}`, '127.0.0.5')).status).toBe(401);
    expect((await attempt(key, '127.0.0.5')).status).toBe(200);
    for (let i = 10; i < 20; i++) expect((await attempt(`mqc_guess-${i}`, '127.0.0.5')).status).toBe(401);
    expect((await attempt('mqc_guess-20', '127.0.0.5')).status).toBe(429);
  });

  it('does not count a request that sends no token', async () => {
    for (let i = 0; i < 25; i++) expect((await rawRequest(fx.cp.url, { method: 'GET', path: '/v1/instances', localAddress: '127.0.0.6' })).status).toBe(401);
    expect((await attempt(key, '127.0.0.6')).status).toBe(200);
  });
});

describe('metrics are the operator s, and no /v1 answer is cached', () => {
  const config = testConfig();
  let fx: ControlPlaneFixture;

  beforeAll(async () => {
    fx = await startControlPlaneFixture(config);
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('refuses /metrics to anonymous callers and tenants, serves it with the operator token', async () => {
    expect((await new ApiClient(fx.cp.url).get('/metrics')).status).toBe(401);
    expect((await fx.tenant.api.get('/metrics')).status).toBe(401);
    const metrics = await fx.operator.get<string>('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toContain('text/plain');
  });

  it('marks every /v1 response Cache-Control: no-store: a new API key, a job result, an error', async () => {
    const auth = { authorization: `Bearer ${(await fx.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'cache' })).body.apiKey.secret}` };
    const created = await rawRequest(fx.cp.url, { method: 'POST', path: '/v1/api-keys', headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"ci"}' });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const result = await rawRequest(fx.cp.url, { method: 'GET', path: '/v1/jobs/00000000-0000-4000-8000-000000000000/result', headers: auth });
    expect(result.status).toBe(404);
    expect(result.headers['cache-control']).toBe('no-store');
    expect((await rawRequest(fx.cp.url, { method: 'GET', path: '/v1/instances' })).headers['cache-control']).toBe('no-store');
  });
});
