import type { MigrationInterface, QueryRunner } from 'typeorm';

/** TLS-PSK identities per instance (SPEC 4.6): the key sealed with the master key, shown once. */
export class PskIdentities1764400000001 implements MigrationInterface {
  name = 'PskIdentities1764400000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE psk_identities (
        id uuid PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
        identity text NOT NULL,
        key_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (instance_id, identity)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE psk_identities');
  }
}
