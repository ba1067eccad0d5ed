import { describe, expect, it } from 'vitest';
import { acrossMigration } from '@mqc/testing';

/** Issue 13: instances that exist when authorization lands keep allowing what no rule decides; new ones deny. */
describe('the authorization migration', () => {
  it('gives the instances that existed noMatch allow, and the ones created after it deny', async () => {
    let tenantId = '';
    const rows = await acrossMigration('Authorization1764700000000', {
      async before(runner) {
        [{ id: tenantId }] = await runner.query(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
        await runner.query(`INSERT INTO instances (tenant_id, name, edition, status) VALUES ($1, 'before', 'basic', 'RUNNING')`, [tenantId]);
      },
      async after(runner): Promise<{ name: string; authorization_no_match: string; authorization_deny_action: string }[]> {
        await runner.query(`INSERT INTO instances (tenant_id, name, edition, status) VALUES ($1, 'after', 'basic', 'PROVISIONING')`, [tenantId]);
        return runner.query('SELECT name, authorization_no_match, authorization_deny_action FROM instances ORDER BY name');
      },
    });
    expect(rows).toEqual([
      { name: 'after', authorization_no_match: 'deny', authorization_deny_action: 'ignore' },
      { name: 'before', authorization_no_match: 'allow', authorization_deny_action: 'ignore' },
    ]);
  });
});
