import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `instances.revision`: the id of the last transaction that changed what a broker node loads
 * for the instance (`pg_current_xact_id()`). A trigger sets it on every insert and update of
 * the row (placement, status, ports, edition, policy: whoever writes them); the control plane's
 * write path (InstanceChanges.apply) touches the row in the same transaction as any change to
 * the instance's chain, users, devices, certificates, identities or authorization.
 *
 * A node asks for the rows at or above the oldest transaction still running when it last asked
 * (`pg_snapshot_xmin`), so a change that committed late is never skipped: one query whatever
 * the fleet, whose answer is what changed.
 */
export class InstanceRevision1764760000000 implements MigrationInterface {
  name = 'InstanceRevision1764760000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE instances ADD COLUMN revision bigint NOT NULL DEFAULT 0');
    await db.query(`CREATE FUNCTION instances_set_revision() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.revision := pg_current_xact_id()::text::bigint;
        RETURN NEW;
      END $$`);
    await db.query('CREATE TRIGGER instances_revision BEFORE INSERT OR UPDATE ON instances FOR EACH ROW EXECUTE FUNCTION instances_set_revision()');
    await db.query('CREATE INDEX instances_revision_idx ON instances (revision)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX instances_revision_idx');
    await db.query('DROP TRIGGER instances_revision ON instances');
    await db.query('DROP FUNCTION instances_set_revision()');
    await db.query('ALTER TABLE instances DROP COLUMN revision');
  }
}
