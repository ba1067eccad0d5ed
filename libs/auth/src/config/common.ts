import { z } from 'zod';
import { parseHttpUrl } from '../outbound/http-url';
import { parseServiceUrl } from '../outbound/service-url';
import { secret } from './field-markers';

/** SPEC 4: the placeholders templates may use. In database queries they are bound parameters. */
export const PLACEHOLDERS = ['clientid', 'username', 'password', 'peerhost', 'cert_common_name', 'cert_subject', 'instance_id'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** The placeholders of a template that SPEC 4 (or the given list) does not know. */
export function unknownPlaceholders(template: string, known: readonly string[] = PLACEHOLDERS): string[] {
  const unknown: string[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!known.includes(name)) unknown.push(`\${${name}}`);
  }
  return unknown;
}

const listOf = (known: readonly string[]) => known.map((p) => `\${${p}}`).join(', ');

/** A string that may hold placeholders (SPEC 4's, or `known`); an unknown one is refused by name. */
export function template(field: string, max = 4096, known: readonly string[] = PLACEHOLDERS) {
  return z
      .string({ error: `${field} must be a string` })
      .max(max, { error: `${field} must be at most ${max} characters` })
    .superRefine((text, ctx) => {
      const unknown = unknownPlaceholders(text, known);
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown placeholder(s) ${unknown.join(', ')}; use ${listOf(known)}` });
    });
}

/** Any JSON value whose strings are templates (HTTP bodies, MongoDB filters). */
export function jsonTemplate(field: string, known: readonly string[] = PLACEHOLDERS) {
  return z.json({ error: `${field} must be JSON` }).superRefine((value, ctx) => {
    const walk = (node: unknown, path: (string | number)[]): void => {
      if (typeof node === 'string') {
        const unknown = unknownPlaceholders(node, known);
        if (unknown.length > 0) ctx.addIssue({ code: 'custom', path, message: `unknown placeholder(s) ${unknown.join(', ')}; use ${listOf(known)}` });
      } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...path, i]));
      else if (node && typeof node === 'object') for (const [key, item] of Object.entries(node)) walk(item, [...path, key]);
    };
    walk(value, []);
  });
}

export function boundedInt(field: string, min: number, max: number) {
  const range = `an integer from ${min} to ${max}`;
  return z
    .number({ error: `${field} must be ${range}` })
    .int({ error: `${field} must be ${range}` })
      .min(min, { error: `${field} must be ${range}` })
      .max(max, { error: `${field} must be ${range}` });
}

export const timeoutMs = boundedInt('timeoutMs', 100, 60_000).default(5_000);
export const poolSize = boundedInt('poolSize', 1, 64).default(8);

/** A URL of one of `schemes` with at least one host (the outbound guard checks where it points). */
export function serviceUrl(field: string, schemes: readonly string[]) {
  const expected = schemes.map((s) => `${s}://`).join(' or ');
  return z
      .string({ error: `${field} must be a URL` })
      .max(2048, { error: `${field} must be at most 2048 characters` })
    .superRefine((text, ctx) => {
      const url = parseServiceUrl(text);
      const http = url && (url.scheme === 'http' || url.scheme === 'https') ? parseHttpUrl(text) : undefined;
      if (!url) ctx.addIssue({ code: 'custom', message: `${field} must be a URL like ${schemes[0]}://host:port/…` });
      else if (!schemes.includes(url.scheme)) ctx.addIssue({ code: 'custom', message: `${field} must start with ${expected}` });
      // An http(s) URL is read as the HTTP client reads it; what it would read otherwise is refused.
      else if (http && 'problem' in http) ctx.addIssue({ code: 'custom', message: `${field} ${http.problem}` });
      else if (url.hosts.length > 1 && !schemes.some((s) => s.startsWith('mongodb'))) {
        ctx.addIssue({ code: 'custom', message: `${field} must name one host` });
      }
    });
}

/** Secret text (a password, an HMAC secret): stored sealed, never returned by the API. */
export function secretText(field: string, max = 4096) {
  return secret(
    z
      .string({ error: `${field} must be a string` })
      .min(1, { error: `${field} must not be empty` })
      .max(max, { error: `${field} must be at most ${max} characters` }),
  );
}

/**
 * A refinement that refuses a value with the problem `problemOf` finds in it (undefined: none),
 * for the checks written as `xxxProblem(value)` functions: `.superRefine(refuseProblem(redisCommandProblem))`.
 */
export function refuseProblem<T>(problemOf: (value: T) => string | undefined) {
  return (value: T, ctx: z.RefinementCtx<T>): void => {
    const problem = problemOf(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  };
}

/** A closed object: unknown fields are refused by name, so a typo never passes silently. */
export function configObject<T extends z.ZodRawShape>(type: string, shape: T) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field(s) for ${type}: ${issue.keys.join(', ')}`;
      if (issue.code === 'invalid_type') return `the ${type} configuration must be an object`;
      return undefined;
    },
  });
}

/** A SELECT with placeholders (SPEC 4's, or `known`): one statement, no stacked queries. */
export function selectQuery(field: string, known: readonly string[] = PLACEHOLDERS) {
  return template(field, 4096, known).superRefine((text, ctx) => {
    const sql = text.trim();
    if (!/^select\s/i.test(sql)) ctx.addIssue({ code: 'custom', message: `${field} must be a SELECT statement` });
    else if (sql.replace(/;\s*$/, '').includes(';')) ctx.addIssue({ code: 'custom', message: `${field} must be one statement (no ';' inside)` });
  });
}
