import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHENTICATOR_TYPES } from '@mqc/auth';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startControlPlane, type ControlPlane } from '../../control-plane';

type Json = Record<string, unknown>;

interface Operation {
  summary: string;
  security: Record<string, string[]>[];
  parameters: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, { content?: Record<string, { schema: Json }> }>;
  'x-undocumented'?: boolean;
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

/** SPEC 7, minus the certificate routes the PKI work owns. */
const SPEC_ROUTES = [
  'post /v1/ops/tenants',
  'get /v1/ops/tenants',
  'get /v1/ops/instances',
  'get /v1/ops/nodes',
  'patch /v1/ops/editions/{edition}',
  'get /v1/editions',
  'get /v1/api-keys',
  'post /v1/api-keys',
  'delete /v1/api-keys/{id}',
  'post /v1/instances',
  'get /v1/instances',
  'get /v1/instances/{id}',
  'patch /v1/instances/{id}',
  'delete /v1/instances/{id}',
  'get /v1/instances/{id}/ca.pem',
  'put /v1/instances/{id}/access-policy',
  'get /v1/instances/{id}/authenticators',
  'post /v1/instances/{id}/authenticators',
  'get /v1/instances/{id}/authenticators/{aid}',
  'patch /v1/instances/{id}/authenticators/{aid}',
  'delete /v1/instances/{id}/authenticators/{aid}',
  'put /v1/instances/{id}/authenticators/order',
  'get /v1/instances/{id}/authorizers',
  'post /v1/instances/{id}/authorizers',
  'get /v1/instances/{id}/authorizers/{aid}',
  'patch /v1/instances/{id}/authorizers/{aid}',
  'delete /v1/instances/{id}/authorizers/{aid}',
  'put /v1/instances/{id}/authorizers/order',
  'get /v1/instances/{id}/acl-rules',
  'post /v1/instances/{id}/acl-rules',
  'get /v1/instances/{id}/acl-rules/{ruleId}',
  'patch /v1/instances/{id}/acl-rules/{ruleId}',
  'delete /v1/instances/{id}/acl-rules/{ruleId}',
  'put /v1/instances/{id}/acl-rules/order',
  'post /v1/instances/{id}/acl-rules/import',
  'post /v1/instances/{id}/authorization/check',
  'get /v1/instances/{id}/users',
  'post /v1/instances/{id}/users',
  'get /v1/instances/{id}/users/{userId}',
  'patch /v1/instances/{id}/users/{userId}',
  'delete /v1/instances/{id}/users/{userId}',
  'post /v1/instances/{id}/users/import',
  'get /v1/instances/{id}/devices',
  'post /v1/instances/{id}/devices',
  'get /v1/instances/{id}/devices/{clientId}',
  'patch /v1/instances/{id}/devices/{clientId}',
  'delete /v1/instances/{id}/devices/{clientId}',
  'post /v1/instances/{id}/devices/{clientId}/keys/regenerate',
  'get /v1/audit-events',
  'get /healthz',
  'get /readyz',
  'get /metrics',
];

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method} ${path}`, op] as [string, Operation]));
}

function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

function assertProblem(response: { status: number; contentType: string; body: unknown }, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.contentType).toContain('application/problem+json');
  expect(response.body).toMatchObject({ type: `https://mqc.dev/problems/${code}`, title: expect.any(String), status, code, detail: expect.any(String) });
}

describe('the API contract: OpenAPI and problem details', () => {
  const config = testConfig();
  let db: TestDatabase;
  let cp: ControlPlane;
  let anonymous: ApiClient;
  let doc: Document;

  beforeAll(async () => {
    db = await createTestDatabase();
    cp = await startControlPlane(config, db.url, 0);
    anonymous = new ApiClient(cp.url);
    const response = await anonymous.get<Document>('/v1/openapi.json');
    expect(response.status).toBe(200);
    doc = response.body;
  });

  afterAll(async () => {
    await cp?.close();
    await db?.drop();
  });

  it('is an OpenAPI 3.1 document with both bearer schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'operatorToken']);
    expect(doc.paths['/metrics']!['get']!.security).toEqual([{ operatorToken: [] }]);
  });

  it('lists every route of SPEC section 7 (outside the PKI work)', () => {
    const documented = new Set(operations(doc).map(([key]) => key));
    for (const route of SPEC_ROUTES) expect(documented, route).toContain(route);
  });

  it('documents every route the app serves: a summary, its security, its request schema and its problem responses', () => {
    for (const [key, op] of operations(doc)) {
      expect(op['x-undocumented'], `${key} has no @ApiDoc`).toBeUndefined();
      expect(op.summary.length, key).toBeGreaterThan(0);
      const method = key.split(' ')[0]!;
      const path = key.split(' ')[1]!;
      const guarded = path.startsWith('/v1/') && path !== '/v1/openapi.json';
      if (guarded) {
        expect(op.security.length, key).toBe(1);
        expect(op.responses['401'], key).toBeDefined();
        expect(op.responses['429'], key).toBeDefined();
      }
      if (path.includes('{')) expect(op.responses['404'], key).toBeDefined();
      if (op.requestBody) for (const status of ['400', '413', '415', '422']) expect(op.responses[status], `${key} ${status}`).toBeDefined();
      if (SPEC_ROUTES.includes(key) && ['post', 'put', 'patch'].includes(method)) expect(op.requestBody, key).toBeDefined();
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(response.content?.['application/problem+json']?.schema, `${key} ${status}`).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
  });

  it('carries the request schemas the API validates with', () => {
    const create = doc.paths['/v1/instances']!['post']!.requestBody!.content['application/json']!.schema;
    expect(create).toMatchObject({ type: 'object', required: ['name', 'edition'], properties: { edition: { enum: ['basic', 'professional', 'platinum'] } } });
    const chain = doc.paths['/v1/instances/{id}/authenticators']!['post']!.requestBody!.content['application/json']!.schema as { oneOf: { properties: { type: { const: string } } }[] };
    expect(chain.oneOf.map((v) => v.properties.type.const).sort()).toEqual([...AUTHENTICATOR_TYPES].sort());
    const jwt = chain.oneOf.find((v) => v.properties.type.const === 'jwt') as unknown as { properties: { config: { properties: Record<string, unknown> } } };
    expect(Object.keys(jwt.properties.config.properties)).toEqual(expect.arrayContaining(['secret', 'publicKey', 'jwksUrl', 'verifyClaims', 'disconnectOnExpiry']));
    const imports = doc.paths['/v1/instances/{id}/users/import']!['post']!;
    expect(Object.keys(imports.requestBody!.content).sort()).toEqual(['application/json', 'text/csv']);
    expect(imports.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'type', in: 'query' })]));
    expect(doc.paths['/v1/instances']!['get']!.parameters.map((p) => p.name)).toEqual(['limit', 'cursor']);
  });

  it('resolves every reference', () => {
    for (const ref of refs(doc)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });

  it('lists only routes that exist: each answers 401 without a token, not route-not-found', async () => {
    for (const [key, op] of operations(doc)) {
      if (op.security.length === 0) continue;
      const [method, path] = key.split(' ') as [string, string];
      const concrete = path.replace(/\{(id|aid)\}/g, '00000000-0000-4000-8000-000000000000').replace(/\{[^}]+\}/g, 'x');
      const response = await anonymous.request(method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? undefined : {});
      expect(response.status, key).toBe(401);
    }
  });

  it('answers every error as problem+json with a stable code', async () => {
    assertProblem(await anonymous.get('/v1/instances'), 401, 'missing-bearer-token');
    assertProblem(await anonymous.get('/v1/nowhere'), 404, 'route-not-found');
    const operator = new ApiClient(cp.url, config.operatorToken);
    assertProblem(await operator.post('/v1/ops/tenants', { name: '' }), 422, 'validation-failed');
    const tenant = await operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'contract' });
    const api = operator.withToken(tenant.body.apiKey.secret);
    assertProblem(await api.get('/v1/instances/00000000-0000-4000-8000-000000000000'), 404, 'instance-not-found');
    assertProblem(await api.request('POST', '/v1/instances', '{', { 'content-type': 'application/json' }), 400, 'malformed-body');
    const basic = await api.post<{ id: string }>('/v1/instances', { name: 'b', edition: 'basic' });
    assertProblem(await api.post(`/v1/instances/${basic.body.id}/authenticators`, { type: 'jwt', config: { secret: 's' } }), 403, 'method-not-in-edition');
    assertProblem(await api.post(`/v1/instances/${basic.body.id}/users/import?type=plain`, 'x', { 'content-type': 'application/xml' }), 415, 'unsupported-media-type');
  });
});
