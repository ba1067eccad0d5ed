import { z } from 'zod';
import type { SecretField, SecretKind } from './secrets';

/**
 * What a configuration field is, marked on the field's own schema: a secret (sealed at rest,
 * never returned by the API) or a URL leading out of the cloud (checked by the outbound guard).
 * Mark the field's innermost schema, before `.optional()` or `.default()`: a refinement added
 * after the mark makes a new schema without it (the registry spec proves every mark is found).
 */
export interface FieldMark {
  secret?: SecretKind;
  outboundUrl?: true;
}

const marks = z.registry<FieldMark>();

function mark<S extends z.ZodType>(schema: S, add: FieldMark): S {
  marks.add(schema, { ...marks.get(schema), ...add });
  return schema;
}

/** A secret field: the whole value, or only the password of a URL. */
export function secret<S extends z.ZodType>(schema: S, kind: SecretKind = 'value'): S {
  // writeOnly in the OpenAPI document: sent, never returned (the console shows a password input).
  if (kind === 'value') z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), writeOnly: true });
  return mark(schema, { secret: kind });
}

/** A URL the outbound guard checks when the configuration is saved and again on every use. */
export function outboundUrl<S extends z.ZodType>(schema: S): S {
  return mark(schema, { outboundUrl: true });
}

/** A tenant service URL: checked by the outbound guard, its password sealed. */
export function guardedServiceUrl<S extends z.ZodType>(schema: S): S {
  return secret(outboundUrl(schema), 'url-password');
}

interface MarkedFields {
  secrets: SecretField[];
  /** Top-level fields holding outbound URLs. */
  outboundUrls: string[];
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; element?: z.ZodType };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The marked fields of a configuration schema, found by walking it (objects, records, wrappers). */
export function markedFields(schema: z.ZodType): MarkedFields {
  const found: MarkedFields = { secrets: [], outboundUrls: [] };
  const walk = (node: z.ZodType, path: string[]): void => {
    const fieldMark = marks.get(node);
    if (fieldMark?.secret) found.secrets.push({ path, kind: fieldMark.secret });
    if (fieldMark?.outboundUrl && path.length === 1) found.outboundUrls.push(path[0]!);
    if (fieldMark?.outboundUrl && path.length !== 1) throw new Error(`outbound URL fields must be top-level (${path.join('.')})`);
    const def = defOf(node);
    if (WRAPPERS.has(def.type) && def.innerType) walk(def.innerType, path);
    else if (def.type === 'pipe' && def.in) walk(def.in, path);
    else if (def.type === 'object' && def.shape) for (const [key, field] of Object.entries(def.shape)) walk(field, [...path, key]);
    else if (def.type === 'record' && def.valueType) walk(def.valueType, [...path, '*']);
    else if (def.type === 'array' && def.element) walk(def.element, [...path, '*']);
  };
  walk(schema, []);
  return found;
}
