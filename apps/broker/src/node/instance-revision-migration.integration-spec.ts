import { describe, expect, it } from 'vitest';
import { acrossMigration } from '@mqc/testing';

describe('the instance revision migration', () => {
  it('moves the revision of a row to the transaction that changes it, never below the horizon a node saw while it ran', async () => {
    let tenantId = '';
    const outcome = await acrossMigration('InstanceRevision1764760000000', {
      async before(runner) {
        [{ id: tenantId }] = await runner.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
        await runner.query(`INSERT INTO instances (tenant_id, name, edition, status) VALUES ($1, 'before', 'basic', 'RUNNING')`, [tenantId]);
      },
      async after(runner) {
        const revisionOf = async (name: string) => BigInt((await runner.query('SELECT revision::text AS r FROM instances WHERE name = $1', [name]))[0].r);
        const existing = await revisionOf('before');
        await runner.query(`INSERT INTO instances (tenant_id, name, edition, status) VALUES ($1, 'after', 'basic', 'PROVISIONING')`, [tenantId]);
        const inserted = await revisionOf('after');
        // A change still running when a node asks: its revision is at or above the horizon the node keeps.
        await runner.startTransaction();
        await runner.query(`UPDATE instances SET anonymous_policy = 'allow' WHERE name = 'before'`);
        const other = runner.manager.connection.createQueryRunner();
        const [{ horizon }] = await other.query('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon');
        await other.release();
        await runner.commitTransaction();
        const updated = await revisionOf('before');
        return { existing, inserted, updated, horizon: BigInt(horizon) };
      },
    });
    expect(outcome.existing).toBe(0n);
    expect(outcome.inserted).toBeGreaterThan(0n);
    expect(outcome.updated).toBeGreaterThan(outcome.inserted);
    expect(outcome.updated).toBeGreaterThanOrEqual(outcome.horizon);
  });
});
