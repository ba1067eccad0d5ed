import type { PasswordHashParams } from '@mqc/auth';
// eslint-disable-next-line @nx/enforce-module-boundaries -- the core's known-answer vectors (test data, never shipped)
import { PBKDF2_HEX_VECTORS, SELF_DESCRIBING_VECTORS, SIMPLE_HASH_VECTORS } from '../../../auth/src/password/password-vectors.fixture';

/** One user row per known vector (made by other tools): what an external database would hold. */
export interface HashCase {
  username: string;
  password: string;
  hash: string;
  salt: string;
  /** The authenticator's `passwordHash` setting that reads the row. */
  params: PasswordHashParams;
  source: string;
}

function settingFor(params: PasswordHashParams): PasswordHashParams {
  // Self-describing hashes carry their parameters; the setting only names the algorithm.
  if (params.name === 'bcrypt') return { name: 'bcrypt' };
  if (params.name === 'argon2id') return { name: 'argon2id' };
  return params;
}

export const HASH_CASES: readonly HashCase[] = [
  ...[...SIMPLE_HASH_VECTORS, ...PBKDF2_HEX_VECTORS].map((v, i) => ({
    username: `user-${i}-${v.stored.params.name}`,
    password: v.password,
    hash: v.stored.hash,
    salt: v.stored.salt,
    params: v.stored.params,
    source: v.source,
  })),
  ...SELF_DESCRIBING_VECTORS.map((v, i) => ({
    username: `self-${i}-${v.params.name}`,
    password: v.password,
    hash: v.hash,
    salt: '',
    params: settingFor(v.params),
    source: v.source,
  })),
];

/** The cases grouped by the authenticator setting that reads them. */
export function casesBySetting(): { params: PasswordHashParams; cases: HashCase[] }[] {
  const groups = new Map<string, { params: PasswordHashParams; cases: HashCase[] }>();
  for (const c of HASH_CASES) {
    const key = JSON.stringify(c.params);
    const group = groups.get(key) ?? { params: c.params, cases: [] };
    group.cases.push(c);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** Client data that would change a spliced query, filter or command (SPEC 4: bound, never spliced). */
export const INJECTIONS = [
  "' OR 1=1 --",
  "' OR '1'='1",
  '" OR ""="',
  '"; DROP TABLE mqtt_user; --',
  "x'); DROP TABLE mqtt_user; --",
  '${password}',
  '*)(uid=*',
  '\\',
  "admin'--",
  '1 UNION SELECT password_hash, salt, true FROM mqtt_user',
] as const;
