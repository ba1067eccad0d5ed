import { type Authenticator, type AuthResult, type ConnectCredentials, effectiveParams, hashPassword, needsRehash, type PasswordHashParams, type StoredPassword, VerifiedPasswordCache, verifyPassword } from '@mqc/auth';

/** A user row of the built-in store (SPEC 4.1): each row records its own algorithm. */
export interface BuiltInUserRecord {
  userId: string;
  passwordHash: string;
  salt: string;
  algorithm: PasswordHashParams;
  isSuperuser: boolean;
}

export interface BuiltInUserStore {
  find(instanceId: string, userId: string): Promise<BuiltInUserRecord | undefined>;
  /**
   * Optional: store a re-hash made with the preferred algorithm after a successful login.
   * `previousHash` is the hash that was verified: write only if the row still holds it, so a
   * password changed meanwhile through the API is not overwritten.
   */
  replaceHash?(instanceId: string, userId: string, stored: StoredPassword, previousHash?: string): Promise<void>;
}

export interface BuiltInDatabaseConfig {
  userIdType: 'username' | 'clientid';
  /** The instance's preferred algorithm: new passwords, and re-hashes after login. */
  passwordHash: PasswordHashParams;
}

export interface BuiltInDatabaseOptions {
  /**
   * Told when a background re-hash fails; the login it followed has already succeeded.
   * Defaults to a process warning, so failures are never silent.
   */
  onRehashError?: (error: unknown, context: { instanceId: string; userId: string }) => void;
  /** The cache of recent successful verifications (one per authenticator by default). */
  verifiedCache?: VerifiedPasswordCache;
}

function warnRehashFailed(error: unknown, context: { instanceId: string; userId: string }): void {
  const why = error instanceof Error ? error.message : String(error);
  process.emitWarning(`built-in-database: re-hash of ${context.userId} in ${context.instanceId} failed: ${why}`, 'MqcRehashWarning');
}

const BAD_CREDENTIALS: AuthResult = { kind: 'deny', reason: 'bad-credentials', message: 'bad username or password' };

/**
 * Username + password against the instance's built-in store (SPEC 4.1). Unknown users and
 * clients without a user id are `ignore`d so a later authenticator may judge them; a store
 * error propagates to the chain, whose backend-failure policy decides.
 */
export class BuiltInDatabaseAuthenticator implements Authenticator {
  readonly type = 'built-in-database';
  private readonly onRehashError: NonNullable<BuiltInDatabaseOptions['onRehashError']>;
  /** Re-hashes under way, by instance and user: one at a time per user. */
  private readonly rehashing = new Set<string>();
  /** Reconnecting devices skip the slow hash while their stored hash is unchanged. */
  private readonly verified: VerifiedPasswordCache;

  constructor(
    readonly id: string,
    private readonly config: BuiltInDatabaseConfig,
    private readonly store: BuiltInUserStore,
    options: BuiltInDatabaseOptions = {},
  ) {
    this.onRehashError = options.onRehashError ?? warnRehashFailed;
    this.verified = options.verifiedCache ?? new VerifiedPasswordCache();
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const userId = this.config.userIdType === 'clientid' ? credentials.clientId : credentials.username;
    if (!userId) return { kind: 'ignore' };
    const user = await this.store.find(credentials.instanceId, userId);
    if (!user) return { kind: 'ignore' };
    const { password } = credentials;
    if (password === undefined) return BAD_CREDENTIALS;

    // The row's own algorithm: changing the instance default never locks out existing users.
    const stored: StoredPassword = { hash: user.passwordHash, salt: user.salt, params: user.algorithm };
    const scope = `${credentials.instanceId}\u0000${userId}\u0000${user.salt}`;
    // Known good, or verified once for every identical CONNECT in flight (a fleet of one user).
    if (!(await this.verified.verify(scope, password, user.passwordHash, () => verifyPassword(password, stored)))) return BAD_CREDENTIALS;

    if (this.store.replaceHash && needsRehash(effectiveParams(stored), this.config.passwordHash)) {
      // Not awaited: the CONNACK does not wait for a slow hash and a database write.
      void this.rehash(credentials.instanceId, userId, Buffer.from(password), user.passwordHash);
    }
    return { kind: 'allow', superuser: user.isSuperuser, credential: { kind: 'user', userId } };
  }

  private async rehash(instanceId: string, userId: string, password: Buffer, previousHash: string): Promise<void> {
    const key = `${instanceId}\u0000${userId}`;
    if (this.rehashing.has(key)) return;
    this.rehashing.add(key);
    try {
      const stored = await hashPassword(password, this.config.passwordHash);
      await this.store.replaceHash?.(instanceId, userId, stored, previousHash);
    } catch (error) {
      try {
        this.onRehashError(error, { instanceId, userId });
      } catch {
        // A failing error hook must not become an unhandled rejection.
      }
    } finally {
      this.rehashing.delete(key);
    }
  }
}
