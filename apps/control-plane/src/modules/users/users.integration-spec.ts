import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword, type PasswordHashParams } from '@mqc/auth';
import { testConfig } from '@mqc/testing';
import { newInstance, type EventLog, type Tenant } from '../../test/control-plane.spec-helper';
import { startControlPlaneFixture, type ControlPlaneFixture } from '../../test/control-plane.fixture.spec-helper';

interface Problem {
  status: number;
  code: string;
  errors?: { line?: number; field: string; message: string }[];
  errorCount?: number;
}

interface User {
  userId: string;
  isSuperuser: boolean;
  algorithm: string;
}

const CSV = { 'content-type': 'text/csv' };
const sha256 = (salt: string, password: string) => createHash('sha256').update(salt + password).digest('hex');

describe('built-in users and bulk import', () => {
  const config = testConfig();
  let fixture: ControlPlaneFixture;
  let tenant: Tenant;
  let changes: EventLog;
  let sql: Client;

  async function count(instanceId: string): Promise<number> {
    const rows = await sql.query<{ n: string }>('SELECT count(*) AS n FROM built_in_users WHERE instance_id = $1', [instanceId]);
    return Number(rows.rows[0]!.n);
  }

  async function verifies(instanceId: string, userId: string, password: string): Promise<boolean> {
    const rows = await sql.query<{ password_hash: string; salt: string; algorithm: PasswordHashParams }>(
      'SELECT password_hash, salt, algorithm FROM built_in_users WHERE instance_id = $1 AND user_id = $2',
      [instanceId, userId],
    );
    const row = rows.rows[0];
    if (!row) throw new Error(`no user ${userId}`);
    return verifyPassword(password, { hash: row.password_hash, salt: row.salt, params: row.algorithm });
  }

  function importFile(instanceId: string, type: string, body: string, headers: Record<string, string> = CSV) {
    return tenant.api.post<Problem & { imported: number }>(`/v1/instances/${instanceId}/users/import?type=${type}`, body, headers);
  }

  beforeAll(async () => {
    fixture = await startControlPlaneFixture(config);
    ({ tenant, changes, sql } = fixture);
  });

  afterAll(() => fixture?.close());

  describe('CRUD', () => {
    let instance: string;
    beforeAll(async () => {
      instance = await newInstance(tenant.api, 'basic', 'crud');
      await tenant.api.post(`/v1/instances/${instance}/authenticators`, {
        type: 'built-in-database',
        config: { userIdType: 'clientid', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: 1000 } },
      });
    });

    it('creates a user hashed with the instance algorithm, keyed by client id, and never returns the password', async () => {
      changes.clear();
      const created = await tenant.api.post<User>(`/v1/instances/${instance}/users`, { userId: 'sensor-1', password: 's3cret!', isSuperuser: true });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ userId: 'sensor-1', isSuperuser: true, algorithm: 'pbkdf2' });
      expect(JSON.stringify(created.body)).not.toMatch(/s3cret|hash|salt/i);
      expect(await verifies(instance, 'sensor-1', 's3cret!')).toBe(true);
      const event = await changes.next((e) => e.kind === 'credential-changed' && e.instanceId === instance);
      expect(event).toMatchObject({ credential: { type: 'user', userIdType: 'clientid', userId: 'sensor-1' } });
    });

    it('gets and lists users page by page', async () => {
      for (const id of ['sensor-2', 'sensor-3']) await tenant.api.post(`/v1/instances/${instance}/users`, { userId: id, password: 'p' });
      const got = await tenant.api.get<User>(`/v1/instances/${instance}/users/sensor-2`);
      expect(got.body).toMatchObject({ userId: 'sensor-2', isSuperuser: false });
      const page1 = await tenant.api.get<{ items: User[]; nextCursor: string }>(`/v1/instances/${instance}/users?limit=2`);
      expect(page1.body.items.map((u) => u.userId)).toEqual(['sensor-1', 'sensor-2']);
      const page2 = await tenant.api.get<{ items: User[]; nextCursor: string | null }>(`/v1/instances/${instance}/users?limit=2&after=${page1.body.nextCursor}`);
      expect(page2.body).toEqual({ items: [expect.objectContaining({ userId: 'sensor-3' })], nextCursor: null });
      expect(JSON.stringify([page1.body, page2.body])).not.toMatch(/password|hash"|salt/i);
    });

    it('changes a password (revoking the old one) and the superuser flag', async () => {
      changes.clear();
      const updated = await tenant.api.patch<User>(`/v1/instances/${instance}/users/sensor-1`, { password: 'n3w!' });
      expect(updated.status).toBe(200);
      expect(await verifies(instance, 'sensor-1', 'n3w!')).toBe(true);
      expect(await verifies(instance, 'sensor-1', 's3cret!')).toBe(false);
      await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
      changes.clear();
      const demoted = await tenant.api.patch<User>(`/v1/instances/${instance}/users/sensor-1`, { isSuperuser: false });
      expect(demoted.body.isSuperuser).toBe(false);
      await changes.next((e) => e.kind === 'credential-changed' && e.instanceId === instance);
    });

    it('deletes a user and announces the revocation', async () => {
      changes.clear();
      expect((await tenant.api.delete(`/v1/instances/${instance}/users/sensor-3`)).status).toBe(204);
      const event = await changes.next((e) => e.kind === 'credential-revoked' && e.instanceId === instance);
      expect(event).toMatchObject({ credential: { type: 'user', userIdType: 'clientid', userId: 'sensor-3' } });
      expect((await tenant.api.get<Problem>(`/v1/instances/${instance}/users/sensor-3`)).body.code).toBe('user-not-found');
    });

    it('names bad input and refuses a duplicate', async () => {
      const missing = await tenant.api.post<Problem>(`/v1/instances/${instance}/users`, { userId: 'x' });
      expect(missing.status).toBe(422);
      expect(missing.body.errors?.[0]?.field).toBe('password');
      const long = await tenant.api.post<Problem>(`/v1/instances/${instance}/users`, { userId: 'x'.repeat(300), password: 'p' });
      expect(long.body.errors?.[0]?.field).toBe('userId');
      expect((await tenant.api.patch<Problem>(`/v1/instances/${instance}/users/sensor-1`, {})).status).toBe(422);
      expect((await tenant.api.patch<Problem>(`/v1/instances/${instance}/users/nobody`, { isSuperuser: true })).body.code).toBe('user-not-found');
      const twice = await tenant.api.post<Problem>(`/v1/instances/${instance}/users`, { userId: 'sensor-1', password: 'p' });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('user-exists');
      expect((await tenant.api.get<Problem>(`/v1/instances/${instance}/users?limit=5000`)).status).toBe(422);
    });
  });

  describe('import', () => {
    it('imports plain CSV (quoted fields, CRLF, boolean spellings), hashing each password with the instance algorithm', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'plain-csv');
      await tenant.api.post(`/v1/instances/${instance}/authenticators`, { type: 'built-in-database', config: { passwordHash: { name: 'bcrypt', rounds: 4 } } });
      const file = ['user_id,password,is_superuser', 'alice,a-pass,true', '"bob, jr","b,""pass""",0', 'carol,c-pass,', 'dave,d-pass,FALSE', ''].join('\r\n');
      const imported = await importFile(instance, 'plain', file);
      expect(imported.body).toEqual({ imported: 4, type: 'plain' });
      expect(imported.status).toBe(201);
      expect(imported.body).toEqual({ imported: 4, type: 'plain' });
      expect(await verifies(instance, 'alice', 'a-pass')).toBe(true);
      expect(await verifies(instance, 'bob, jr', 'b,"pass"')).toBe(true);
      const users = await tenant.api.get<{ items: User[] }>(`/v1/instances/${instance}/users`);
      expect(users.body.items.map((u) => [u.userId, u.isSuperuser, u.algorithm])).toEqual([
        ['alice', true, 'bcrypt'],
        ['bob, jr', false, 'bcrypt'],
        ['carol', false, 'bcrypt'],
        ['dave', false, 'bcrypt'],
      ]);
    });

    it('imports plain JSON', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'plain-json');
      const imported = await tenant.api.post<{ imported: number }>(`/v1/instances/${instance}/users/import?type=plain`, [
        { user_id: 'j1', password: 'one', is_superuser: true },
        { user_id: 'j2', password: 'two' },
      ]);
      expect(imported.status).toBe(201);
      expect(imported.body.imported).toBe(2);
      expect(await verifies(instance, 'j2', 'two')).toBe(true);
      expect((await tenant.api.get<User>(`/v1/instances/${instance}/users/j1`)).body.isSuperuser).toBe(true);
    });

    it('imports hashes of every algorithm: the instance one, and self-describing bcrypt, pbkdf2 and argon2id', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'hash');
      const bcrypt = await hashPassword('bcrypt-pass', { name: 'bcrypt', rounds: 4 });
      const argon = await hashPassword('argon-pass', { name: 'argon2id', memoryCost: 1024, timeCost: 1, parallelism: 1 });
      const salt = randomBytes(8);
      const key = pbkdf2Sync('pbkdf2-pass', salt, 1000, 32, 'sha256');
      const adapted = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
      const passlib = `$pbkdf2-sha256$1000$${adapted(salt)}$${adapted(key)}`;
      const file = [
        'user_id,password_hash,salt,is_superuser',
        `plain-sha,${sha256('s1', 'sha-pass')},s1,false`,
        `bc,${bcrypt.hash},,false`,
        `pb,${passlib},,true`,
        // An argon2id hash holds commas: CSV quotes it.
        `ar,"${argon.hash}",,false`,
      ].join('\n');
      const imported = await importFile(instance, 'hash', file);
      expect(imported.body).toEqual({ imported: 4, type: 'hash' });
      expect(imported.status).toBe(201);
      expect(await verifies(instance, 'plain-sha', 'sha-pass')).toBe(true);
      expect(await verifies(instance, 'bc', 'bcrypt-pass')).toBe(true);
      expect(await verifies(instance, 'pb', 'pbkdf2-pass')).toBe(true);
      expect(await verifies(instance, 'ar', 'argon-pass')).toBe(true);
      const users = await tenant.api.get<{ items: User[] }>(`/v1/instances/${instance}/users`);
      expect(Object.fromEntries(users.body.items.map((u) => [u.userId, u.algorithm]))).toEqual({ 'plain-sha': 'sha256', bc: 'bcrypt', pb: 'pbkdf2', ar: 'argon2id' });
      expect(JSON.stringify(users.body)).not.toContain(bcrypt.hash);
    });

    it('reports every bad row by the line the user sees, and writes nothing', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'bad-rows');
      const file = [
        'user_id,password_hash,salt,is_superuser', // 1
        `ok-1,${sha256('a', 'p')},a,false`, // 2
        `ok-2,${sha256('b', 'p')},b,true`, // 3
        `bad-flag,${sha256('c', 'p')},c,maybe`, // 4
        '', // 5: blank lines are skipped
        ',deadbeef,,false', // 6
        `ok-1,${sha256('d', 'p')},d,false`, // 7
        'short-hash,abc123,x,false', // 8
        'too,many,fields,false,extra', // 9
        '"multi', // 10
        'line",' + sha256('e', 'p') + ',e,false', // 11 (the record starts on line 10)
      ].join('\n');
      const refused = await importFile(instance, 'hash', file);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('import-invalid');
      expect(refused.body.errors).toEqual([
        { line: 4, field: 'is_superuser', message: 'must be true, false, 1, 0 or empty' },
        { line: 6, field: 'user_id', message: 'must not be empty' },
        { line: 7, field: 'user_id', message: 'ok-1 is already on line 2' },
        { line: 8, field: 'password_hash', message: 'must be a sha256 hash: 64 hex digits' },
        { line: 9, field: '(row)', message: 'has 5 field(s); the header names 4' },
      ]);
      expect(refused.body.errorCount).toBe(5);
      expect(await count(instance)).toBe(0);
      // The record that spans lines 10-11 was fine: fixing the others imports it.
    });

    it('reports JSON rows by the line their object starts on', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'bad-json');
      const text = JSON.stringify([{ user_id: 'a', password: 'p' }, { user_id: 'b' }, { user_id: 'c', password: 'p', role: 'admin' }], null, 2);
      const refused = await importFile(instance, 'plain', text, { 'content-type': 'application/json' });
      expect(refused.status).toBe(422);
      // Lines: 1 "[", 2-5 first object, 6-8 second, 9-13 third.
      expect(refused.body.errors).toEqual([
        { line: 6, field: 'password', message: 'is missing' },
        { line: 9, field: 'role', message: 'unknown key(s) role; a type=plain user has user_id, password, is_superuser' },
      ]);
      expect(await count(instance)).toBe(0);
    });

    it('refuses a header that does not fit the type, an empty file, another media type and a missing type', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'header');
      const wrong = await importFile(instance, 'plain', 'user_id,password_hash\nx,y');
      expect(wrong.body.errors).toEqual([
        { line: 1, field: '(header)', message: 'missing column(s) password; a type=plain file has the columns user_id,password,is_superuser (use type=hash for hashed passwords)' },
      ]);
      expect((await importFile(instance, 'plain', '')).body.errors?.[0]?.field).toBe('(header)');
      const xml = await importFile(instance, 'plain', '<users/>', { 'content-type': 'application/xml' });
      expect(xml.status).toBe(415);
      expect(xml.body.code).toBe('unsupported-media-type');
      const noType = await tenant.api.post<Problem>(`/v1/instances/${instance}/users/import`, 'user_id,password\na,b', CSV);
      expect(noType.status).toBe(422);
      expect(noType.body.errors?.[0]?.field).toBe('type');
    });

    it('refuses users that already exist, by line, and writes nothing', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'clash');
      await tenant.api.post(`/v1/instances/${instance}/users`, { userId: 'taken', password: 'p' });
      const refused = await importFile(instance, 'plain', 'user_id,password\nfree,p\ntaken,p\n');
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ line: 3, field: 'user_id', message: 'user taken already exists' }]);
      expect(await count(instance)).toBe(1);
    });

    it('refuses a file that would exceed the edition user quota', async () => {
      const instance = await newInstance(tenant.api, 'basic', 'quota');
      const lines = ['user_id,password_hash,salt'];
      for (let i = 0; i < 10_001; i++) lines.push(`q${i},${sha256('', `p${i}`)},`);
      const refused = await importFile(instance, 'hash', lines.join('\n'));
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('quota-exceeded');
      expect(await count(instance)).toBe(0);
    });

    it('imports 100,000 users in one transaction', async () => {
      const instance = await newInstance(tenant.api, 'professional', 'bulk');
      const lines = ['user_id,password_hash,salt,is_superuser'];
      for (let i = 0; i < 100_000; i++) lines.push(`device-${i},${sha256(`salt${i}`, `pass${i}`)},salt${i},${i % 1000 === 0}`);
      const imported = await importFile(instance, 'hash', lines.join('\n'));
      expect(imported.status).toBe(201);
      expect(imported.body.imported).toBe(100_000);
      expect(await count(instance)).toBe(100_000);
      expect(await verifies(instance, 'device-77777', 'pass77777')).toBe(true);
      expect((await tenant.api.get<User>(`/v1/instances/${instance}/users/device-5000`)).body.isSuperuser).toBe(true);
    });

    it('leaves nothing behind when a 100,000-row file fails late: a bad row, or a user that exists (found before any row is written)', async () => {
      const instance = await newInstance(tenant.api, 'professional', 'late-failure');
      const lines = ['user_id,password_hash,salt,is_superuser'];
      for (let i = 0; i < 100_000; i++) lines.push(`device-${i},${sha256(`salt${i}`, `pass${i}`)},salt${i},false`);
      const bad = [...lines];
      bad[99_998] = 'device-99997,not-a-hash,x,false';
      const refused = await importFile(instance, 'hash', bad.join('\n'));
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ line: 99_999, field: 'password_hash', message: 'must be a sha256 hash: 64 hex digits' }]);
      expect(await count(instance)).toBe(0);

      // A user that exists already is found before the insert (and again by it, should one appear meanwhile).
      await tenant.api.post(`/v1/instances/${instance}/users`, { userId: 'device-15000', password: 'p' });
      const clash = await importFile(instance, 'hash', lines.join('\n'));
      expect(clash.status).toBe(422);
      expect(clash.body.errors).toEqual([{ line: 15_002, field: 'user_id', message: 'user device-15000 already exists' }]);
      expect(await count(instance)).toBe(1);
    });

    it('records the import in the audit log', async () => {
      const audit = await tenant.api.get<{ items: { action: string; details: Record<string, unknown> }[] }>('/v1/audit-events?limit=500');
      const bulk = audit.body.items.find((e) => e.action === 'user.import' && e.details['count'] === 100_000);
      expect(bulk?.details).toMatchObject({ type: 'hash' });
    });
  });
});
