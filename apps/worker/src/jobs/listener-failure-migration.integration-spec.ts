import { describe, expect, it } from 'vitest';
import { acrossMigration } from '@mqc/testing';

/** The provisioning job and the broker nodes read listeners_failed: instances failed before it existed keep being retried. */
describe('the listeners_failed migration', () => {
  it('marks the instances a broker node failed by the status reason it wrote before the column existed, and no other', async () => {
    const rows = await acrossMigration('ListenerFailureColumn1764600000000', {
      async before(runner) {
        const [tenant] = await runner.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
        const insert = (name: string, status: string, reason: string | null) =>
          runner.query(`INSERT INTO instances (tenant_id, name, edition, status, status_reason) VALUES ($1, $2, 'basic', $3, $4)`, [tenant.id, name, status, reason]);
        await insert('listeners', 'FAILED', 'the broker node could not open the listeners: listen EADDRINUSE: address already in use 127.0.0.1:18830');
        await insert('timeout', 'FAILED', 'timed out waiting for node n to serve instance i');
        await insert('running', 'RUNNING', null);
      },
      after: (runner): Promise<{ name: string; listeners_failed: boolean }[]> => runner.query('SELECT name, listeners_failed FROM instances ORDER BY name'),
    });
    expect(rows).toEqual([
      { name: 'listeners', listeners_failed: true },
      { name: 'running', listeners_failed: false },
      { name: 'timeout', listeners_failed: false },
    ]);
  });
});
