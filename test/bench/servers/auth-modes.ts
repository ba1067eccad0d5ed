import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8, jwtVerify, importSPKI } from 'jose';
import { Pool } from 'pg';
import { deriveScramCredential, deviceSecretConfigSchema, hashPassword, jwtConfigSchema, postgresqlConfigSchema, scramConfigSchema, verifyPassword, type Authenticator, type PasswordHashParams, type StoredPassword } from '@mqc/auth';
import { BuiltInDatabaseAuthenticator, DeviceSecretAuthenticator, JwtAuthenticator, PostgresqlAuthenticator, ScramAuthenticator, signDeviceToken } from '@mqc/auth-drivers';

/** The authentication work both brokers do on every CONNECT in a scenario. */
export const AUTH_MODES = ['none', 'sha256', 'pbkdf2', 'bcrypt', 'bcrypt-many-users', 'jwt-hs256', 'jwt-rs256', 'device-token', 'postgresql', 'scram'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

const PARAMS: Record<'sha256' | 'pbkdf2' | 'bcrypt', PasswordHashParams> = {
  sha256: { name: 'sha256', saltPosition: 'prefix' },
  pbkdf2: { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 },
  bcrypt: { name: 'bcrypt', rounds: 10 },
};

export const BENCH_USER = { username: 'bench-user', password: 'bench-password-1' };

/** The tenant's table the `postgresql` mode reads (BENCH_PG_URL, made by run.ts). */
export const BENCH_PG_QUERY = 'SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = ${username}';
export const BENCH_PG_PARAMS = PARAMS.sha256;
const HMAC_SECRET = 'bench-hmac-secret-of-thirty-two-bytes!';
const DEVICE_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * The RS256 key pair is made once by the benchmark and handed to the broker processes in the
 * environment, so both brokers verify the same tokens.
 */
export function ensureRsaKeyPair(): void {
  if (process.env['BENCH_RS256_PUBLIC']) return;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  process.env['BENCH_RS256_PUBLIC'] = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  process.env['BENCH_RS256_PRIVATE'] = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export interface AuthWork {
  /** Our chain for the mode (empty for `none`, with anonymous clients allowed). */
  authenticators: Authenticator[];
  /** The same verification in aedes' authenticate hook. */
  aedesAuthenticate(clientId: string, username: string | undefined, password: Buffer | undefined): Promise<boolean>;
}

export async function prepareAuthWork(mode: AuthMode): Promise<AuthWork> {
  switch (mode) {
    case 'none':
      return { authenticators: [], aedesAuthenticate: async () => true };
    case 'sha256':
    case 'pbkdf2':
    case 'bcrypt':
    case 'bcrypt-many-users': {
      // Every user `bench-user…` has the same stored hash: one hash to make, the same work per CONNECT.
      const stored: StoredPassword = await hashPassword(BENCH_USER.password, PARAMS[mode === 'bcrypt-many-users' ? 'bcrypt' : mode]);
      const isUser = (userId: string | undefined) => userId !== undefined && userId.startsWith(BENCH_USER.username);
      const store = {
        find: async (_instanceId: string, userId: string) =>
          isUser(userId) ? { userId, passwordHash: stored.hash, salt: stored.salt, algorithm: stored.params, isSuperuser: false } : undefined,
      };
      return {
        authenticators: [new BuiltInDatabaseAuthenticator('bench', { userIdType: 'username', passwordHash: stored.params }, store)],
        aedesAuthenticate: async (_clientId, username, password) => isUser(username) && password !== undefined && (await verifyPassword(password, stored)),
      };
    }
    case 'jwt-hs256':
    case 'jwt-rs256': {
      const hs = mode === 'jwt-hs256';
      const config = jwtConfigSchema.parse(hs ? { secret: HMAC_SECRET } : { publicKey: process.env['BENCH_RS256_PUBLIC'] });
      const key = hs ? new TextEncoder().encode(HMAC_SECRET) : await importSPKI(process.env['BENCH_RS256_PUBLIC']!, 'RS256');
      return {
        authenticators: [new JwtAuthenticator('bench', config)],
        aedesAuthenticate: async (_clientId, _username, password) => {
          if (!password) return false;
          await jwtVerify(password.toString(), key, { algorithms: [hs ? 'HS256' : 'RS256'], clockTolerance: 30 });
          return true;
        },
      };
    }
    case 'postgresql': {
      // Both brokers ask the same PostgreSQL table for the user's row, through a pool of 8.
      const url = process.env['BENCH_PG_URL'];
      if (!url) throw new Error('BENCH_PG_URL is not set');
      const config = postgresqlConfigSchema.parse({ url, query: BENCH_PG_QUERY, passwordHash: BENCH_PG_PARAMS, poolSize: 8 });
      const pool = new Pool({ connectionString: url, max: 8 });
      return {
        authenticators: [new PostgresqlAuthenticator('bench', config, { outboundAllowList: ['127.0.0.1'] })],
        aedesAuthenticate: async (_clientId, username, password) => {
          if (username === undefined || password === undefined) return false;
          const { rows } = await pool.query<{ password_hash: string; salt: string }>('SELECT password_hash, salt, is_superuser FROM mqtt_user WHERE username = $1', [username]);
          const row = rows[0];
          return row !== undefined && (await verifyPassword(password, { hash: row.password_hash, salt: row.salt, params: BENCH_PG_PARAMS }));
        },
      };
    }
    case 'scram': {
      // aedes has no enhanced authentication: it checks the password with pbkdf2-sha256 4096,
      // the derivation SCRAM's keys come from, which a SCRAM server never repeats per CONNECT.
      const isUser = (userId: string | undefined) => userId === BENCH_USER.username;
      const credential = await deriveScramCredential(BENCH_USER.password, 'sha256', 4096);
      const stored = await hashPassword(BENCH_USER.password, PARAMS.pbkdf2);
      return {
        authenticators: [new ScramAuthenticator('bench', scramConfigSchema.parse({}), { find: async (_i, userId) => (isUser(userId) ? { credential, isSuperuser: false } : undefined) })],
        aedesAuthenticate: async (_clientId, username, password) => isUser(username) && password !== undefined && (await verifyPassword(password, stored)),
      };
    }
    case 'device-token': {
      // Every device of the bench registry has the same key; the work per CONNECT is the same.
      const record = (clientId: string) => ({ clientId, status: 'ENABLED' as const, primaryKey: Buffer.from(DEVICE_KEY, 'base64'), secondaryKey: Buffer.alloc(32) });
      const authenticator = new DeviceSecretAuthenticator('bench', deviceSecretConfigSchema.parse({}), { find: async (_i, clientId) => record(clientId) });
      return {
        authenticators: [authenticator],
        aedesAuthenticate: async (clientId, username, password) => {
          const result = await authenticator.authenticate({ instanceId: 'bench', clientId, username, password, peerHost: '', protocolVersion: 4 });
          return result.kind === 'allow';
        },
      };
    }
  }
}

/** What client `clientId` presents in a mode (tokens made before the clock starts). */
export async function credentialsFor(mode: AuthMode, clientId: string): Promise<{ username?: string; password?: string }> {
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  switch (mode) {
    case 'none':
      return {};
    case 'jwt-hs256':
      return { username: clientId, password: await new SignJWT({ sub: clientId }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(expiry).sign(new TextEncoder().encode(HMAC_SECRET)) };
    case 'jwt-rs256':
      return {
        username: clientId,
        password: await new SignJWT({ sub: clientId }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime(expiry).sign(await importPKCS8(process.env['BENCH_RS256_PRIVATE']!, 'RS256')),
      };
    case 'device-token':
      return { username: clientId, password: signDeviceToken(clientId, DEVICE_KEY, expiry) };
    case 'bcrypt-many-users':
    case 'postgresql':
      return { username: `${BENCH_USER.username}-${clientId}`, password: BENCH_USER.password };
    default:
      return BENCH_USER;
  }
}
