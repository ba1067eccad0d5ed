import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '@mqc/testing';
import { newInstance, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  quota?: string;
  limit?: number;
  used?: number;
  adding?: number;
  errorCount?: number;
  errors?: { line?: number; field: string; message: string }[];
}

interface Rule {
  id: string;
  position: number;
  permission: string;
  action: string;
  topic: string;
  qos?: number[];
  retain?: boolean;
  clientId?: string;
  username?: string;
}

interface Page {
  items: Rule[];
  nextCursor: string | null;
}

const CSV = { 'content-type': 'text/csv' };
const JSON_TYPE = { 'content-type': 'application/json' };

describe('the built-in authorization rules: /v1/instances/{id}/acl-rules', () => {
  const config = testConfig();
  let fixture: ControlPlaneFixture;
  let tenant: Tenant;
  let changes: EventLog;
  let instance: string;
  const path = (rest = '') => `/v1/instances/${instance}/acl-rules${rest}`;

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ tenant, changes } = fixture);
    instance = await newInstance(tenant.api, 'basic', 'rules');
  });

  afterAll(() => fixture?.close());

  async function allRules(): Promise<Rule[]> {
    return (await tenant.api.get<Page>(path('?limit=1000'))).body.items;
  }

  describe('one rule at a time', () => {
    let first: Rule;
    let second: Rule;

    it('appends a rule, shows it without the fields it leaves out, and announces the change', async () => {
      changes.clear();
      const created = await tenant.api.post<Rule>(path(), { permission: 'allow', action: 'publish', topic: 'devices/${clientid}/telemetry', qos: [0, 1], retain: false });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ position: 0, permission: 'allow', action: 'publish', topic: 'devices/${clientid}/telemetry', qos: [0, 1], retain: false });
      expect(created.body).not.toHaveProperty('clientId');
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      first = created.body;
      const next = await tenant.api.post<Rule>(path(), { permission: 'deny', action: 'all', topic: '#', username: 'guest' });
      expect(next.body).toMatchObject({ position: 1, username: 'guest' });
      second = next.body;
      expect((await tenant.api.get<Rule>(path(`/${first.id}`))).body).toEqual(first);
    });

    it('names each bad field with a 422 and writes nothing', async () => {
      const cases: [unknown, string, RegExp][] = [
        [{ permission: 'maybe', action: 'all', topic: 'a' }, 'permission', /allow or deny/],
        [{ permission: 'allow', action: 'read', topic: 'a' }, 'action', /publish, subscribe or all/],
        [{ permission: 'allow', action: 'all', topic: 'a/${clientid}-x' }, 'topic', /whole level/],
        [{ permission: 'allow', action: 'all', topic: 'a/#/b' }, 'topic', /last level/],
        [{ permission: 'allow', action: 'all', topic: 'a', qos: [3] }, 'qos.0', /0, 1 or 2/],
        [{ permission: 'allow', action: 'subscribe', topic: 'a', retain: true }, 'retain', /publishes only/],
      ];
      for (const [body, field, message] of cases) {
        const refused = await tenant.api.post<Problem>(path(), body);
        expect(refused.status, field).toBe(422);
        expect(refused.body.errors?.[0], field).toMatchObject({ field, message: expect.stringMatching(message) });
      }
      const unknown = await tenant.api.post<Problem>(path(), { permission: 'allow', action: 'all', topic: 'a', clientid: 'x' });
      expect(unknown.body.errors?.[0]?.message).toMatch(/unknown field\(s\) for an ACL rule: clientid/);
      expect(await allRules()).toHaveLength(2);
    });

    it('changes fields, clears an optional one with null, and validates the merged rule', async () => {
      const patched = await tenant.api.patch<Rule>(path(`/${first.id}`), { topic: 'devices/${clientid}/#', qos: null });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ topic: 'devices/${clientid}/#', retain: false, position: 0 });
      expect(patched.body).not.toHaveProperty('qos');
      // retain stays: a subscribe rule with it is refused as a whole.
      const merged = await tenant.api.patch<Problem>(path(`/${first.id}`), { action: 'subscribe' });
      expect(merged.status).toBe(422);
      expect(merged.body.errors?.[0]?.field).toBe('retain');
      expect((await tenant.api.patch<Problem>(path(`/${first.id}`), {})).status).toBe(422);
      expect((await tenant.api.patch<Problem>(path(`/${first.id}`), { topic: 5 })).body.errors?.[0]?.field).toBe('topic');
      const both = await tenant.api.patch<Rule>(path(`/${first.id}`), { action: 'subscribe', retain: null });
      expect(both.body).toMatchObject({ action: 'subscribe' });
      expect(both.body).not.toHaveProperty('retain');
      expect((await tenant.api.get<Problem>(path('/00000000-0000-4000-8000-000000000000'))).body.code).toBe('acl-rule-not-found');
    });

    it('reorders the rules only when ids lists each rule of the instance exactly once', async () => {
      changes.clear();
      const reordered = await tenant.api.put<Page>(path('/order'), { ids: [second.id, first.id] });
      expect(reordered.status).toBe(200);
      expect(reordered.body.items.map((r) => [r.id, r.position])).toEqual([
        [second.id, 0],
        [first.id, 1],
      ]);
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      for (const ids of [[first.id], [first.id, first.id], [first.id, second.id, '00000000-0000-4000-8000-000000000000']]) {
        const refused = await tenant.api.put<Problem>(path('/order'), { ids });
        expect(refused.status).toBe(422);
        expect(refused.body.errors?.[0]?.field).toBe('ids');
      }
      expect((await allRules()).map((r) => r.id)).toEqual([second.id, first.id]);
    });

    it('deletes a rule and closes the gap', async () => {
      changes.clear();
      expect((await tenant.api.delete(path(`/${second.id}`))).status).toBe(204);
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      expect((await allRules()).map((r) => [r.id, r.position])).toEqual([[first.id, 0]]);
    });
  });

  describe('import', () => {
    it('refuses a file with bad lines, naming each line and field, and writes nothing', async () => {
      const before = await allRules();
      const file = [
        'permission,action,topic,qos,retain,clientId,username',
        'allow,publish,a/b,0|1,true,,',
        'perhaps,publish,a/b,,,,',
        'allow,subscribe,a/+,3,,,',
        'allow,subscribe,x/#,,true,,',
        'deny,all,a/b',
      ].join('\n');
      const refused = await tenant.api.post<Problem>(path('/import'), file, CSV);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('import-invalid');
      expect(refused.body.errors).toEqual([
        { line: 3, field: 'permission', message: 'permission must be allow or deny' },
        { line: 4, field: 'qos', message: 'qos must list levels 0, 1 or 2 separated by | (like 0|1), or be empty for all' },
        { line: 5, field: 'retain', message: 'retain applies to publishes only; leave it out of a subscribe rule' },
        { line: 6, field: '(row)', message: 'has 3 field(s); the header names 7' },
      ]);
      expect(refused.body.errorCount).toBe(4);
      expect(await allRules()).toEqual(before);
    });

    it('names a bad header and a JSON element by its line', async () => {
      const header = await tenant.api.post<Problem>(path('/import'), 'permission,topic,priority\nallow,a,1', CSV);
      expect(header.body.errors?.[0]).toMatchObject({ line: 1, field: '(header)', message: expect.stringContaining('missing column(s) action') });
      const json = '[\n  {"permission": "allow", "action": "all", "topic": "a"},\n  {"permission": "allow", "action": "all", "topic": "a/${nope}"}\n]';
      const refused = await tenant.api.post<Problem>(path('/import'), json, JSON_TYPE);
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ line: 3, field: 'topic', message: expect.stringContaining('unknown placeholder ${nope}') }]);
      expect((await tenant.api.post<Problem>(path('/import'), 'x', { 'content-type': 'application/xml' })).status).toBe(415);
    });

    it('lists the first 100 problems and counts them all', async () => {
      const lines = ['permission,action,topic', ...Array.from({ length: 150 }, () => 'nope,all,a')];
      const refused = await tenant.api.post<Problem>(path('/import'), lines.join('\n'), CSV);
      expect(refused.body.errors).toHaveLength(100);
      expect(refused.body.errorCount).toBe(150);
      expect(refused.body.errors?.[99]?.line).toBe(101);
    });

    it('appends a good file after the existing rules, in file order, CSV and JSON alike', async () => {
      changes.clear();
      const before = await allRules();
      const file = ['clientId,permission,action,topic,qos,retain', 'meter-1,allow,publish,meters/${clientid},0|1,false', ',deny,subscribe,$SYS/#,,'].join('\r\n');
      const imported = await tenant.api.post<{ imported: number }>(path('/import'), file, CSV);
      expect(imported.status).toBe(201);
      expect(imported.body).toEqual({ imported: 2 });
      await changes.next((e) => e.kind === 'authorization' && e.instanceId === instance);
      const json = JSON.stringify([{ permission: 'allow', action: 'all', topic: 'eq shared/#', username: 'ops' }]);
      expect((await tenant.api.post(path('/import'), json, JSON_TYPE)).status).toBe(201);
      const after = await allRules();
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.slice(before.length).map(({ id: _id, createdAt: _c, updatedAt: _u, ...rest }: Rule & { createdAt?: string; updatedAt?: string }) => rest)).toEqual([
        { position: before.length, clientId: 'meter-1', permission: 'allow', action: 'publish', topic: 'meters/${clientid}', qos: [0, 1], retain: false },
        { position: before.length + 1, permission: 'deny', action: 'subscribe', topic: '$SYS/#' },
        { position: before.length + 2, permission: 'allow', action: 'all', topic: 'eq shared/#', username: 'ops' },
      ]);
    });
  });

  describe('pagination and the quota', () => {
    it('pages the rules in evaluation order with a cursor', async () => {
      const all = await allRules();
      const first = await tenant.api.get<Page>(path('?limit=2'));
      expect(first.body.items.map((r) => r.id)).toEqual(all.slice(0, 2).map((r) => r.id));
      expect(first.body.nextCursor).not.toBeNull();
      const second = await tenant.api.get<Page>(path(`?limit=2&after=${first.body.nextCursor}`));
      expect(second.body.items.map((r) => r.id)).toEqual(all.slice(2, 4).map((r) => r.id));
      const bad = await tenant.api.get<Problem>(path('?after=abc'));
      expect(bad.status).toBe(422);
      expect(bad.body.errors?.[0]?.field).toBe('after');
    });

    it('refuses rules beyond the edition quota (basic: 100), for one rule and for an import', async () => {
      const used = (await allRules()).length;
      const tooMany = ['permission,action,topic', ...Array.from({ length: 101 - used }, (_, i) => `allow,publish,bulk/${i}`)].join('\n');
      const refused = await tenant.api.post<Problem>(path('/import'), tooMany, CSV);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'quota-exceeded', quota: 'aclRules', limit: 100, used, adding: 101 - used });
      expect(await allRules()).toHaveLength(used);
      const fits = ['permission,action,topic', ...Array.from({ length: 100 - used }, (_, i) => `allow,publish,bulk/${i}`)].join('\n');
      expect((await tenant.api.post(path('/import'), fits, CSV)).status).toBe(201);
      const one = await tenant.api.post<Problem>(path(), { permission: 'allow', action: 'all', topic: 'one/more' });
      expect(one.status).toBe(409);
      expect(one.body).toMatchObject({ code: 'quota-exceeded', quota: 'aclRules', limit: 100, used: 100, adding: 1 });
    });
  });

  describe('the edition', () => {
    it('blocks a downgrade to an edition whose rule quota the instance exceeds, and records the import', async () => {
      const pro = await newInstance(tenant.api, 'professional', 'many-rules');
      const file = ['permission,action,topic', ...Array.from({ length: 101 }, (_, i) => `allow,publish,r/${i}`)].join('\n');
      expect((await tenant.api.post(`/v1/instances/${pro}/acl-rules/import`, file, CSV)).status).toBe(201);
      const downgrade = await tenant.api.patch<Problem & { blockers: unknown[] }>(`/v1/instances/${pro}`, { edition: 'basic' });
      expect(downgrade.status).toBe(409);
      expect(downgrade.body.blockers).toEqual([{ kind: 'quota', quota: 'aclRules', used: 101, limit: 100 }]);
      const audit = await tenant.api.get<{ items: { action: string; resourceId: string; details: Record<string, unknown> }[] }>('/v1/audit-events?limit=500');
      expect(audit.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'acl-rule.import', resourceId: pro, details: { instanceId: pro, count: 101 } })]));
    });
  });
});
