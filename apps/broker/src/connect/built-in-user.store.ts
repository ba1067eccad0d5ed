import type { DataSource } from 'typeorm';
import type { PasswordHashParams, StoredPassword } from '@mqc/auth';
import type { BuiltInUserRecord, BuiltInUserStore } from '@mqc/auth-drivers';

interface UserRow {
  user_id: string;
  password_hash: string;
  salt: string;
  algorithm: PasswordHashParams;
  is_superuser: boolean;
}

/** The broker's read path to the built-in store: one indexed lookup per CONNECT. */
export class PgBuiltInUserStore implements BuiltInUserStore {
  constructor(private readonly dataSource: DataSource) {}

  async find(instanceId: string, userId: string): Promise<BuiltInUserRecord | undefined> {
    const rows: UserRow[] = await this.dataSource.query(
      'SELECT user_id, password_hash, salt, algorithm, is_superuser FROM built_in_users WHERE instance_id = $1 AND user_id = $2',
      [instanceId, userId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { userId: row.user_id, passwordHash: row.password_hash, salt: row.salt, algorithm: row.algorithm, isSuperuser: row.is_superuser };
  }

  /**
   * Which of these (instance, user id) pairs still exist, as `instanceId \0 userId` keys: one
   * query for the connected clients of many instances (a resync's credential check).
   */
  async existingAcross(pairs: readonly { instanceId: string; userId: string }[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const rows: { instance_id: string; user_id: string }[] = await this.dataSource.query(
      `SELECT u.instance_id, u.user_id FROM built_in_users u
         JOIN unnest($1::uuid[], $2::text[]) AS wanted(instance_id, user_id) USING (instance_id, user_id)`,
      [pairs.map((p) => p.instanceId), pairs.map((p) => p.userId)],
    );
    return new Set(rows.map((r) => `${r.instance_id}\u0000${r.user_id}`));
  }

  /** Re-hash after a login with an older algorithm; only if the row still holds the old hash. */
  async replaceHash(instanceId: string, userId: string, stored: StoredPassword, previousHash?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE built_in_users SET password_hash = $3, salt = $4, algorithm = $5, updated_at = now()
        WHERE instance_id = $1 AND user_id = $2 AND ($6::text IS NULL OR password_hash = $6)`,
      [instanceId, userId, stored.hash, stored.salt, JSON.stringify(stored.params), previousHash ?? null],
    );
  }
}
