import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The broker node's "could not open the listeners" signal becomes its own column instead of a
 * prefix of status_reason: the broker sets it, the provisioning job and the nodes read it.
 */
export class ListenerFailureColumn1764600000000 implements MigrationInterface {
  name = 'ListenerFailureColumn1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE instances ADD COLUMN listeners_failed boolean NOT NULL DEFAULT false');
    await db.query(`UPDATE instances SET listeners_failed = true WHERE starts_with(status_reason, 'the broker node could not open the listeners:')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE instances DROP COLUMN listeners_failed');
  }
}
