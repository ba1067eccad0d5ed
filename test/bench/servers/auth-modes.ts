import { BuiltInDatabaseAuthenticator, hashPassword, verifyPassword, type Authenticator, type PasswordHashParams, type StoredPassword } from '@mqc/auth';

/** The authentication work both brokers do on every CONNECT in a scenario. */
export const AUTH_MODES = ['none', 'sha256', 'pbkdf2', 'bcrypt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

const PARAMS: Record<Exclude<AuthMode, 'none'>, PasswordHashParams> = {
  sha256: { name: 'sha256', saltPosition: 'prefix' },
  pbkdf2: { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 },
  bcrypt: { name: 'bcrypt', rounds: 10 },
};

export const BENCH_USER = { username: 'bench-user', password: 'bench-password-1' };

export interface AuthWork {
  /** Our chain for the mode (empty for `none`, with anonymous clients allowed). */
  authenticators: Authenticator[];
  /** The same verification in aedes' authenticate hook. */
  aedesAuthenticate(username: string | undefined, password: Buffer | undefined): Promise<boolean>;
}

export async function prepareAuthWork(mode: AuthMode): Promise<AuthWork> {
  if (mode === 'none') return { authenticators: [], aedesAuthenticate: async () => true };
  const stored: StoredPassword = await hashPassword(BENCH_USER.password, PARAMS[mode]);
  const record = { userId: BENCH_USER.username, passwordHash: stored.hash, salt: stored.salt, algorithm: stored.params, isSuperuser: false };
  const store = { find: async (_instanceId: string, userId: string) => (userId === record.userId ? record : undefined) };
  return {
    authenticators: [new BuiltInDatabaseAuthenticator('bench', { userIdType: 'username', passwordHash: stored.params }, store)],
    aedesAuthenticate: async (username, password) =>
      username === record.userId && password !== undefined && (await verifyPassword(password, stored)),
  };
}

export function credentialsFor(mode: AuthMode): { username?: string; password?: string } {
  return mode === 'none' ? {} : BENCH_USER;
}
