import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { slowHashGate } from '@mqc/auth';
import { testConfig } from '@mqc/testing';
import { newInstance, type Api } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';
import { UserImportService } from './user-import.service';

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { line?: number; field: string; message: string }[];
  [key: string]: unknown;
}

const CSV = { 'content-type': 'text/csv' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const plainCsv = (rows: number, prefix: string) => ['user_id,password', ...Array.from({ length: rows }, (_, i) => `${prefix}${i},pw-${i}`)].join('\n');

/*
 * Issue 11, item 5: an import is checked (rows, quota, caps, budget, existing users) before
 * its first hash, stops hashing when its client hangs up, and a tenant cannot choose hash
 * costs above its edition. Hashes are counted on the process's slow-hash gate, which every
 * bcrypt, pbkdf2 and argon2 hash of the control plane (in this process) passes through.
 */
describe('user import: bounded hashing work', () => {
  const config = testConfig();
  let fixture: ControlPlaneFixture;
  let api: Api;
  let secret: string;
  let sql: Client;

  async function count(instanceId: string): Promise<number> {
    const rows = await sql.query<{ n: string }>('SELECT count(*) AS n FROM built_in_users WHERE instance_id = $1', [instanceId]);
    return Number(rows.rows[0]!.n);
  }

  async function instanceHashingWith(edition: 'basic' | 'professional', name: string, passwordHash: Record<string, unknown>): Promise<{ instance: string; authenticator: string }> {
    const instance = await newInstance(api, edition, name);
    const created = await api.post<{ id: string }>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: { passwordHash } });
    expect(created.status).toBe(201);
    return { instance, authenticator: created.body.id };
  }

  /** Users written straight into the table (no hashing), to stand for what an instance already has. */
  async function seedUsers(instanceId: string, n: number): Promise<void> {
    await sql.query(
      `INSERT INTO built_in_users (instance_id, user_id, password_hash, algorithm)
       SELECT $1, 'seed-' || g, 'x', '{"name":"sha256","saltPosition":"prefix"}'::jsonb FROM generate_series(1, $2::int) g`,
      [instanceId, n],
    );
  }

  function importFile(instanceId: string, type: string, body: string) {
    return api.post<Problem & { imported?: number }>(`/v1/instances/${instanceId}/users/import?type=${type}`, body, CSV);
  }

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    sql = fixture.sql;
    const created = await fixture.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'hasher' });
    secret = created.body.apiKey.secret;
    api = fixture.operator.withToken(secret);
  });

  afterAll(() => fixture?.close());

  describe('checked before the first hash', () => {
    it('refuses a file over the user quota, and users that exist, without hashing a password', async () => {
      const { instance } = await instanceHashingWith('basic', 'quota-first', { name: 'bcrypt', rounds: 4 });
      await seedUsers(instance, 9_999);
      const before = slowHashGate.started;
      const over = await importFile(instance, 'plain', plainCsv(2, 'new-'));
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({ code: 'quota-exceeded', quota: 'builtInUsers', limit: 10_000, used: 9_999, adding: 2 });
      const clash = await importFile(instance, 'plain', 'user_id,password\nseed-7,pw\n');
      expect(clash.status).toBe(422);
      expect(clash.body.errors).toEqual([{ line: 2, field: 'user_id', message: 'user seed-7 already exists' }]);
      expect(slowHashGate.started).toBe(before);
      expect(await count(instance)).toBe(9_999);
    });

    it('refuses more rows than the edition takes in one import', async () => {
      const instance = await newInstance(api, 'professional', 'row-cap');
      const lines = ['user_id,password_hash,salt'];
      for (let i = 0; i <= 100_000; i++) lines.push(`r${i},${sha256(`p${i}`)},`);
      const refused = await importFile(instance, 'hash', lines.join('\n'));
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'import-too-large', limit: 100_000, rows: 100_001 });
      expect(refused.body.detail).toBe('the professional edition imports at most 100000 rows per request; the file has 100001: split it');
      expect(await count(instance)).toBe(0);
    });

    it('refuses a type=plain file whose hashing would exceed the edition budget, saying how many rows fit', async () => {
      // bcrypt 12 is modelled at 0.4 s a hash; professional allows 900 s per import: 2,250 rows.
      const { instance } = await instanceHashingWith('professional', 'budget', { name: 'bcrypt', rounds: 12 });
      const before = slowHashGate.started;
      const refused = await importFile(instance, 'plain', plainCsv(2_300, 'b-'));
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'import-too-costly', limitSeconds: 900, estimatedSeconds: 920, maxRows: 2_250 });
      expect(refused.body.detail).toMatch(/send at most 2250 rows per request, or import hashes \(type=hash\)/);
      expect(slowHashGate.started).toBe(before);
      expect(await count(instance)).toBe(0);
    });
  });

  describe('hash costs capped by edition', () => {
    it('refuses an authenticator hashing above the edition cap, with 422 naming the field, on create and on PATCH', async () => {
      const instance = await newInstance(api, 'basic', 'caps');
      const post = (passwordHash: Record<string, unknown>) =>
        api.post<Problem>(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: { passwordHash } });
      const bcrypt = await post({ name: 'bcrypt', rounds: 13 });
      expect(bcrypt.status).toBe(422);
      expect(bcrypt.body.errors).toEqual([{ field: 'config.passwordHash.rounds', message: "bcrypt rounds 13 is above the basic edition's limit of 12" }]);
      expect((await post({ name: 'pbkdf2', macFun: 'sha256', iterations: 700_000 })).body.errors?.[0]?.field).toBe('config.passwordHash.iterations');
      expect((await post({ name: 'argon2id', memoryCost: 131_072 })).body.errors?.map((e) => e.field)).toEqual(['config.passwordHash.memoryCost']);
      const atCap = await post({ name: 'bcrypt', rounds: 12 });
      expect(atCap.status).toBe(201);
      const patched = await api.patch<Problem>(`/v1/instances/${instance}/authenticators/${(atCap.body as unknown as { id: string }).id}`, {
        config: { passwordHash: { name: 'bcrypt', rounds: 14 } },
      });
      expect(patched.status).toBe(422);
      expect(patched.body.errors?.[0]?.field).toBe('config.passwordHash.rounds');
      // Professional takes bcrypt 13.
      const pro = await newInstance(api, 'professional', 'caps-pro');
      expect((await api.post(`/v1/instances/${pro}/authenticators`, { type: 'built-in-database', config: { passwordHash: { name: 'bcrypt', rounds: 13 } } })).status).toBe(201);
    });

    it('blocks a downgrade to an edition whose caps the instance algorithm exceeds', async () => {
      const { instance } = await instanceHashingWith('professional', 'downgrade', { name: 'bcrypt', rounds: 13 });
      const refused = await api.patch<Problem>(`/v1/instances/${instance}`, { edition: 'basic' });
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('edition-downgrade-blocked');
      expect(refused.body['blockers']).toEqual([{ kind: 'password-hash', authenticatorType: 'built-in-database', field: 'passwordHash.rounds', used: 13, limit: 12 }]);
      expect(refused.body.detail).toMatch(/the built-in-database authenticator's passwordHash\.rounds is 13, 12 allowed/);
    });

    it('refuses an imported self-describing hash above the cap (each login would pay it), by line', async () => {
      const instance = await newInstance(api, 'basic', 'caps-import');
      const bcrypt13 = `$2b$13$${'a'.repeat(53)}`;
      const refused = await importFile(instance, 'hash', `user_id,password_hash\nok,${sha256('x')}\nslow,${bcrypt13}\n`);
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ line: 3, field: 'password_hash', message: "bcrypt rounds 13 is above the basic edition's limit of 12" }]);
      expect(await count(instance)).toBe(0);
    });

    it('refuses to hash a new password with an algorithm above the cap (stored before the caps existed), before hashing', async () => {
      const { instance, authenticator } = await instanceHashingWith('basic', 'legacy-cost', { name: 'bcrypt', rounds: 4 });
      // bcrypt 15: seconds per hash, allowed before issue 11.
      await sql.query(`UPDATE authenticators SET config = jsonb_set(config, '{passwordHash,rounds}', '15') WHERE id = $1`, [authenticator]);
      await seedUsers(instance, 1);
      const before = slowHashGate.started;
      const created = await api.post<Problem>(`/v1/instances/${instance}/users`, { userId: 'new', password: 'pw' });
      expect(created.status).toBe(422);
      expect(created.body.code).toBe('hash-cost-above-edition');
      expect(created.body.errors).toEqual([{ field: 'passwordHash.rounds', message: "bcrypt rounds 15 is above the basic edition's limit of 12" }]);
      expect((await api.patch<Problem>(`/v1/instances/${instance}/users/seed-1`, { password: 'new-pw' })).body.code).toBe('hash-cost-above-edition');
      expect((await importFile(instance, 'plain', plainCsv(1, 'i-'))).body.code).toBe('hash-cost-above-edition');
      // A flag change hashes nothing and stays possible.
      expect((await api.patch(`/v1/instances/${instance}/users/seed-1`, { isSuperuser: true })).status).toBe(200);
      expect(slowHashGate.started).toBe(before);
      expect(await count(instance)).toBe(1);
    });
  });

  it('stops hashing when the client hangs up: no hash of the import runs after, nothing is written', async () => {
    // 200 bcrypt-10 hashes: seconds of work, stopped after the first few.
    const rows = 200;
    const { instance } = await instanceHashingWith('basic', 'hang-up', { name: 'bcrypt', rounds: 10 });
    const outcomes: Promise<unknown>[] = [];
    const original = UserImportService.prototype.import;
    const spy = vi.spyOn(UserImportService.prototype, 'import').mockImplementation(function (this: UserImportService, ...args) {
      const outcome = original.apply(this, args);
      outcomes.push(outcome.then(() => 'imported', (error: unknown) => error));
      return outcome;
    });
    try {
      const before = slowHashGate.started;
      const body = plainCsv(rows, 'h-');
      const url = new URL(`/v1/instances/${instance}/users/import?type=plain`, fixture.cp.url);
      const client = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/csv', 'content-length': Buffer.byteLength(body) } });
      client.on('error', () => undefined); // the hang-up below
      client.end(body);
      await vi.waitFor(() => expect(slowHashGate.started - before).toBeGreaterThanOrEqual(2), { timeout: 30_000, interval: 5 });
      client.destroy();

      expect(outcomes).toHaveLength(1);
      const outcome = await outcomes[0];
      expect(outcome).toMatchObject({ code: 'client-gone' });
      // The import has ended: none of its hashes is running or will start.
      expect(slowHashGate.inFlight).toBe(0);
      expect(slowHashGate.queued).toBe(0);
      expect(slowHashGate.started - before).toBeLessThan(rows);
      expect(await count(instance)).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });
});
