import { api, data } from './client';

/** A JSON Schema node of the OpenAPI document (draft 2020-12, as the control plane emits it). */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  writeOnly?: boolean;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  $ref?: string;
}

interface Document {
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>;
  components: { schemas: Record<string, JsonSchema> };
}

let document: Promise<Document> | undefined;

/** The served OpenAPI document, fetched once per page load. */
export function openApiDocument(): Promise<Document> {
  document ??= data(api.GET('/v1/openapi.json')) as Promise<unknown> as Promise<Document>;
  return document;
}

export function resolve(doc: Document, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.split('/').pop()!;
  return resolve(doc, doc.components.schemas[name] ?? {});
}

/**
 * The configuration schema of each type a create route accepts (its body is a oneOf of
 * `{type: const, config}`): the forms of authenticators and authorizers come from here, so a
 * new type needs no console code.
 */
export async function configSchemasOf(path: string): Promise<Map<string, JsonSchema>> {
  const doc = await openApiDocument();
  const body = doc.paths[path]?.['post']?.requestBody?.content['application/json']?.schema;
  const variants = body ? (resolve(doc, body).oneOf ?? []) : [];
  const byType = new Map<string, JsonSchema>();
  for (const variant of variants.map((v) => resolve(doc, v))) {
    const type = variant.properties?.['type']?.const;
    const config = variant.properties?.['config'];
    if (typeof type === 'string' && config) byType.set(type, inline(doc, config));
  }
  return byType;
}

/** The schema with its references replaced by what they name (the forms walk plain trees). */
function inline(doc: Document, schema: JsonSchema, depth = 0): JsonSchema {
  const node = resolve(doc, schema);
  if (depth > 8) return node;
  const next = (s: JsonSchema) => inline(doc, s, depth + 1);
  return {
    ...node,
    properties: node.properties && Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, next(v)])),
    items: node.items && next(node.items),
    oneOf: node.oneOf?.map(next),
    anyOf: node.anyOf?.map(next),
  };
}
