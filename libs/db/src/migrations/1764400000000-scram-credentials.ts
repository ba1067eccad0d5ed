import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SCRAM keys of built-in users (SPEC 4.6, RFC 5802): per user and algorithm the salt, the
 * iteration count, StoredKey and ServerKey, derived when the password is set. Never the
 * password, and nothing a client could log in with by replaying it.
 */
export class ScramCredentials1764400000000 implements MigrationInterface {
  name = 'ScramCredentials1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE scram_credentials (
        built_in_user_id uuid NOT NULL REFERENCES built_in_users(id) ON DELETE CASCADE,
        algorithm text NOT NULL CHECK (algorithm IN ('sha256', 'sha512')),
        salt bytea NOT NULL,
        iterations integer NOT NULL CHECK (iterations > 0),
        stored_key bytea NOT NULL,
        server_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (built_in_user_id, algorithm)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE scram_credentials');
  }
}
