import type { EntityManager } from 'typeorm';
import { deriveScramCredential, scramConfigSchema, type ScramAlgorithm, type ScramCredential } from '@mqc/auth';
import { AuthenticatorEntity, ScramCredentialEntity } from '@mqc/db';

/**
 * SCRAM keys of built-in users (SPEC 4.6). The server never keeps a password, so the keys a
 * SCRAM login needs (salt, iterations, StoredKey, ServerKey) are derived when a password is
 * set: on create, on a password change and on a `type=plain` import, for the algorithm(s) of
 * the instance's SCRAM authenticator. Instances without one derive nothing (an import of
 * 100,000 users stays fast). A password set before the SCRAM authenticator existed, or
 * imported as a hash, has no keys: that user cannot log in with SCRAM until the password is
 * set again.
 */
export interface ScramSetting {
  algorithm: ScramAlgorithm;
  iterations: number;
}

/** The SCRAM algorithms the instance's chain asks for (one setting per algorithm). */
export async function scramSettings(manager: EntityManager, instanceId: string): Promise<ScramSetting[]> {
  const rows = await manager.findBy(AuthenticatorEntity, { instanceId, type: 'scram' });
  const settings = new Map<ScramAlgorithm, number>();
  for (const row of rows) {
    const config = scramConfigSchema.parse(row.config);
    settings.set(config.algorithm, Math.max(settings.get(config.algorithm) ?? 0, config.iterationCount));
  }
  return [...settings].map(([algorithm, iterations]) => ({ algorithm, iterations }));
}

/** The keys of a password for each setting (PBKDF2: run it before a transaction opens). */
export function deriveScramKeys(password: string, settings: readonly ScramSetting[], signal?: AbortSignal): Promise<ScramCredential[]> {
  return Promise.all(settings.map((s) => deriveScramCredential(password, s.algorithm, s.iterations, undefined, signal)));
}

/** Replaces a user's keys in the caller's transaction; old keys never outlive a password change. */
export async function replaceScramKeys(manager: EntityManager, builtInUserId: string, keys: readonly ScramCredential[]): Promise<void> {
  await manager.delete(ScramCredentialEntity, { builtInUserId });
  if (keys.length === 0) return;
  await manager.insert(
    ScramCredentialEntity,
    keys.map((k) => ({ builtInUserId, algorithm: k.algorithm, salt: k.salt, iterations: k.iterations, storedKey: k.storedKey, serverKey: k.serverKey })),
  );
}

/** Stores the keys of newly imported users of an instance, by user id, in the import's transaction. */
export async function insertScramKeysByUserId(manager: EntityManager, instanceId: string, rows: readonly { userId: string; keys: readonly ScramCredential[] }[]): Promise<void> {
  const flat = rows.flatMap((r) => r.keys.map((k) => ({ userId: r.userId, ...k })));
  if (flat.length === 0) return;
  await manager.query(
    `INSERT INTO scram_credentials (built_in_user_id, algorithm, salt, iterations, stored_key, server_key)
     SELECT u.id, k.algorithm, k.salt, k.iterations, k.stored_key, k.server_key
       FROM unnest($2::text[], $3::text[], $4::bytea[], $5::int[], $6::bytea[], $7::bytea[]) AS k(user_id, algorithm, salt, iterations, stored_key, server_key)
       JOIN built_in_users u ON u.instance_id = $1 AND u.user_id = k.user_id`,
    [instanceId, flat.map((k) => k.userId), flat.map((k) => k.algorithm), flat.map((k) => k.salt), flat.map((k) => k.iterations), flat.map((k) => k.storedKey), flat.map((k) => k.serverKey)],
  );
}
