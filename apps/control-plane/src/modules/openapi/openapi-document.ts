import { Injectable, RequestMethod, type Type } from '@nestjs/common';
import { GUARDS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { z } from 'zod';
import { API_DOC, type RawBodyDoc, type RouteDoc } from '../../common/api-doc';
import { OperatorGuard } from '../../common/operator.guard';
import { ApiKeyGuard } from '../api-keys/api-key.guard';

type Json = Record<string, unknown>;

const PROBLEM_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request (malformed body, JSON nested too deep, invalid cursor, undecodable path)',
  401: 'Missing or invalid bearer token',
  403: 'Not allowed by the instance edition (method-not-in-edition names requiredEdition)',
  404: 'No such resource (another tenant resource answers the same)',
  409: 'Conflict (exists, quota exceeded, edition not available, downgrade blocked)',
  413: 'Body too large (1 MiB; the user import 64 MiB)',
  415: 'Unsupported media type (or a missing content-type)',
  422: 'Invalid input: errors names each field (and line, for imports)',
  429: 'Too many failed authentications from this address (Retry-After says when to retry)',
  503: 'Not ready',
};

const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'stable, machine-readable' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' }, line: { type: 'integer', description: 'imports: the line in the file (header = 1)' } },
      },
    },
  },
  additionalProperties: true,
};

const METHOD_NAMES: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};

/** Path parameters that are ids (a non-UUID answers 404). */
const UUID_PARAMS = new Set(['id', 'aid']);

function isRawBody(body: RouteDoc['body']): body is RawBodyDoc {
  return typeof body === 'object' && body !== null && 'content' in body && !(body instanceof z.ZodType);
}

function joinPath(...parts: (string | undefined)[]): string {
  const joined = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter((p) => p !== '')
    .join('/');
  return `/${joined}`;
}

function guardsOf(target: object): Type[] {
  return (Reflect.getMetadata(GUARDS_METADATA, target) as Type[] | undefined) ?? [];
}

/**
 * The OpenAPI 3.1 document, built from the routes Nest has registered and the zod schemas
 * each handler declares with @ApiDoc: every route appears, and its schemas are the ones the
 * handler validates with.
 */
@Injectable()
export class OpenApiDocument {
  private cached?: Json;
  private readonly components: Record<string, Json> = { Problem: PROBLEM_SCHEMA };

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  get(): Json {
    this.cached ??= this.build();
    return this.cached;
  }

  /** A zod schema as JSON Schema, its $defs hoisted into components so references resolve. */
  private schema(schema: z.ZodType, io: 'input' | 'output', name: string): Json {
    const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    delete generated['$schema'];
    const defs = (generated['$defs'] as Record<string, Json> | undefined) ?? {};
    delete generated['$defs'];
    const renamed = new Map(Object.keys(defs).map((key) => [`#/$defs/${key}`, `#/components/schemas/${name}_${key.replace(/^_+/, '')}`]));
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (node && typeof node === 'object') {
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? (renamed.get(v) ?? v) : rewrite(v)]));
      }
      return node;
    };
    for (const [key, def] of Object.entries(defs)) this.components[`${name}_${key.replace(/^_+/, '')}`] = rewrite(def) as Json;
    return rewrite(generated) as Json;
  }

  private build(): Json {
    const paths: Record<string, Record<string, Json>> = {};
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller || !wrapper.instance) continue;
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
      const classPath = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName];
        if (typeof handler !== 'function') continue;
        const methodPath = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (methodPath === undefined || requestMethod === undefined) continue;
        const verb = METHOD_NAMES[requestMethod];
        if (!verb) continue;
        const path = joinPath(classPath, methodPath).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        const doc = Reflect.getMetadata(API_DOC, handler) as RouteDoc | undefined;
        const status = (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (verb === 'post' ? 201 : 200);
        const guards = [...guardsOf(controller), ...guardsOf(handler)];
        const operationId = `${controller.name.replace(/Controller$/, '')}_${methodName}`;
        (paths[path] ??= {})[verb] = this.operation({ path, verb, status, guards, doc, operationId });
      }
    }
    const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
    return {
      openapi: '3.1.0',
      info: {
        title: 'MQC API',
        version: '1',
        description: 'The console API (tenant API keys) and the operator API (/v1/ops, operator token) of MQC, a multi-tenant managed MQTT cloud. Errors are application/problem+json with a stable code.',
      },
      paths: sorted,
      components: {
        schemas: this.components,
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'a tenant API key (mqc_…)' },
          operatorToken: { type: 'http', scheme: 'bearer', description: 'the operator token (MQC_OPERATOR_TOKEN)' },
        },
      },
    };
  }

  private operation(route: { path: string; verb: string; status: number; guards: Type[]; doc?: RouteDoc; operationId: string }): Json {
    const { path, status, guards, doc, operationId } = route;
    const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
    const parameters: Json[] = pathParams.map((name) => ({
      name,
      in: 'path',
      required: true,
      schema: UUID_PARAMS.has(name) ? { type: 'string', format: 'uuid' } : { type: 'string' },
    }));
    if (doc?.query) {
      const query = this.schema(doc.query, 'input', `${operationId}_query`);
      const properties = (query['properties'] as Record<string, Json> | undefined) ?? {};
      const required = new Set((query['required'] as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries(properties)) parameters.push({ name, in: 'query', required: required.has(name), schema });
    }
    const operation: Json = {
      operationId,
      summary: doc?.summary ?? '(undocumented)',
      tags: [path.split('/')[2] ?? 'health'],
      parameters,
    };
    if (!doc) operation['x-undocumented'] = true;
    if (doc?.description) operation['description'] = doc.description;
    if (guards.includes(OperatorGuard)) operation['security'] = [{ operatorToken: [] }];
    else if (guards.includes(ApiKeyGuard)) operation['security'] = [{ apiKey: [] }];
    else operation['security'] = [];
    if (doc?.body) {
      const content: Record<string, Json> = {};
      if (isRawBody(doc.body)) {
        for (const [mediaType, schema] of Object.entries(doc.body.content)) {
          content[mediaType] = { schema: this.schema(schema, 'input', `${operationId}_body_${mediaType.replace(/\W/g, '_')}`) };
        }
      } else content['application/json'] = { schema: this.schema(doc.body, 'input', `${operationId}_body`) };
      operation['requestBody'] = { required: true, content, ...(isRawBody(doc.body) ? { description: doc.body.description } : {}) };
    }
    const responses: Record<string, Json> = {};
    const response = doc?.response;
    if (status === 204 || response === undefined) responses[String(status)] = { description: status === 204 ? 'Done' : 'OK' };
    else if (response instanceof z.ZodType) {
      responses[String(status)] = { description: 'OK', content: { 'application/json': { schema: this.schema(response, 'output', `${operationId}_response`) } } };
    } else responses[String(status)] = { description: response.description, content: { [response.contentType]: { schema: { type: 'string' } } } };
    const problems = new Set(doc?.problems ?? []);
    if (guards.length > 0) [401, 429].forEach((code) => problems.add(code));
    if (pathParams.length > 0) problems.add(404);
    // Any text parameter may hold what PostgreSQL cannot store (a NUL): 422 naming it.
    if (pathParams.some((name) => !UUID_PARAMS.has(name)) || doc?.query) problems.add(422);
    if (doc?.body) [400, 413, 415, 422].forEach((code) => problems.add(code));
    for (const code of [...problems].sort()) {
      responses[String(code)] = {
        description: PROBLEM_TITLES[code] ?? 'Problem',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    operation['responses'] = responses;
    return operation;
  }
}
