import { z } from 'zod';
import { formatServiceUrl, parseServiceUrl } from '../outbound/service-url';

/**
 * Secret parts of an authenticator configuration (SPEC 6: JWT secrets, webhook credentials,
 * database passwords). The control plane takes them out of `config`, seals them with the
 * master key into `authenticators.secrets_sealed`, and shows `SECRET_MASK` in their place;
 * the broker opens them and puts them back with `mergeSecrets` before parsing the config.
 */
export type SecretKind =
  /** The whole string at the path. */
  | 'value'
  /** Only the password of the URL at the path (`postgres://user:PASSWORD@host/db`). */
  | 'url-password';

/** Where secrets sit in one type's configuration; `*` matches any key or index. */
export interface SecretField {
  path: readonly string[];
  kind: SecretKind;
}

/** One secret taken out of a configuration. */
export interface ConfigSecret {
  path: string[];
  kind: SecretKind;
  value: string;
}

/** What the API shows instead of a secret; sending it back keeps the stored secret. */
export const SECRET_MASK = '********';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null;
}

function getAt(node: unknown, path: readonly string[]): unknown {
  let current = node;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function setAt(node: Json, path: readonly string[], value: unknown): void {
  let current: Json = node;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      current[key] = value;
      return;
    }
    if (!isRecord(current[key])) current[key] = {};
    current = current[key] as Json;
  });
}

function deleteAt(node: Json, path: readonly string[]): void {
  const parent = getAt(node, path.slice(0, -1));
  const last = path[path.length - 1];
  if (isRecord(parent) && last !== undefined) delete parent[last];
}

/** The concrete paths a field pattern matches in a configuration, where a string sits. */
function concretePaths(config: unknown, pattern: readonly string[]): string[][] {
  const found: string[][] = [];
  const walk = (node: unknown, rest: readonly string[], at: string[]): void => {
    if (rest.length === 0) {
      if (typeof node === 'string') found.push(at);
      return;
    }
    if (!isRecord(node)) return;
    const [head, ...tail] = rest;
    const keys = head === '*' ? Object.keys(node) : head !== undefined && head in node ? [head] : [];
    for (const key of keys) walk(node[key], tail, [...at, key]);
  };
  walk(config, pattern, []);
  return found;
}

function urlWithPassword(url: string, password: string | undefined): string {
  const parsed = parseServiceUrl(url);
  if (!parsed) return url;
  return formatServiceUrl({ ...parsed, password });
}

/** Takes the secrets out of a (validated) configuration: what to store in `config`, and what to seal. */
export function splitSecrets(config: Json, fields: readonly SecretField[]): { config: Json; secrets: ConfigSecret[] } {
  const publicConfig = structuredClone(config);
  const secrets: ConfigSecret[] = [];
  for (const field of fields) {
    for (const path of concretePaths(config, field.path)) {
      const value = getAt(config, path) as string;
      if (field.kind === 'value') {
        secrets.push({ path, kind: 'value', value });
        deleteAt(publicConfig, path);
        continue;
      }
      const password = parseServiceUrl(value)?.password;
      if (password === undefined || password === '') continue;
      secrets.push({ path, kind: 'url-password', value: password });
      setAt(publicConfig, path, urlWithPassword(value, undefined));
    }
  }
  return { config: publicConfig, secrets };
}

/** The full configuration from the stored one and its opened secrets (the broker's side). */
export function mergeSecrets(config: Json, secrets: readonly ConfigSecret[]): Json {
  const full = structuredClone(config);
  for (const secret of secrets) {
    if (secret.kind === 'value') setAt(full, secret.path, secret.value);
    else {
      const url = getAt(full, secret.path);
      if (typeof url === 'string') setAt(full, secret.path, urlWithPassword(url, secret.value));
    }
  }
  return full;
}

/** The stored configuration as the API shows it: each secret replaced by SECRET_MASK. */
export function maskSecrets(config: Json, secrets: readonly ConfigSecret[]): Json {
  return mergeSecrets(
    config,
    secrets.map((s) => ({ ...s, value: SECRET_MASK })),
  );
}

/**
 * A configuration sent back with SECRET_MASK where the API showed it: each mask at the place
 * of a stored secret becomes that secret again, so a read-modify-write keeps secrets.
 */
export function restoreMaskedSecrets(input: Json, previous: readonly ConfigSecret[]): Json {
  const restored = structuredClone(input);
  for (const secret of previous) {
    const current = getAt(restored, secret.path);
    if (typeof current !== 'string') continue;
    if (secret.kind === 'value' && current === SECRET_MASK) setAt(restored, secret.path, secret.value);
    if (secret.kind === 'url-password' && parseServiceUrl(current)?.password === SECRET_MASK) {
      setAt(restored, secret.path, urlWithPassword(current, secret.value));
    }
  }
  return restored;
}

/** Secret places that still hold SECRET_MASK: a mask with no stored secret behind it. */
export function maskedPaths(config: Json, fields: readonly SecretField[]): string[][] {
  const masked: string[][] = [];
  for (const field of fields) {
    for (const path of concretePaths(config, field.path)) {
      const value = getAt(config, path) as string;
      const hidden = field.kind === 'value' ? value === SECRET_MASK : parseServiceUrl(value)?.password === SECRET_MASK;
      if (hidden) masked.push(path);
    }
  }
  return masked;
}

const sealedSecretsSchema = z.object({
  v: z.literal(1),
  secrets: z.array(z.object({ path: z.array(z.string()), kind: z.enum(['value', 'url-password']), value: z.string() })),
});

/** The plaintext that is sealed (SECRET_CONTEXT.authenticatorSecrets). */
export function serializeConfigSecrets(secrets: readonly ConfigSecret[]): string {
  return JSON.stringify({ v: 1, secrets });
}

/** Reads what serializeConfigSecrets wrote (after SecretBox.openText). */
export function parseConfigSecrets(text: string): ConfigSecret[] {
  return sealedSecretsSchema.parse(JSON.parse(text)).secrets;
}
