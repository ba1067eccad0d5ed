import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { MqttClient } from 'mqtt';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDeviceToken } from '@mqc/auth-drivers';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import { ApiClient, createTestDatabase, testConfig, type TestDatabase } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { V5, addAuthenticator, connectFrom, stillServed, untilConnack, whenClosed } from '../support/auth';

const JWT_SECRET = 'a-shared-hmac-secret-of-32-bytes!';
const inSeconds = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;

interface CreatedDevice {
  clientId: string;
  primaryKey: string;
  secondaryKey: string;
}

/**
 * One professional instance whose chain is jwt → built-in-database → device-secret: a JWT in the
 * password is judged by the first, a plain password by the second, a SharedAccessSignature by
 * the third (each ignores what is not its kind).
 */
async function revocationInstance(stack: Stack, name: string): Promise<{ tenant: ApiClient; instance: InstanceView; url: string }> {
  const tenant = await newTenant(stack);
  const instance = await runningInstance(tenant, name, 'professional');
  await addAuthenticator(tenant, instance.id, 'jwt', { secret: JWT_SECRET });
  await addAuthenticator(tenant, instance.id, 'built-in-database', {});
  await addAuthenticator(tenant, instance.id, 'device-secret', { maxTokenLifetimeSeconds: 3600 });
  const url = instance.endpoints!.mqtt;
  await untilConnack(url, { username: 'probe', password: await jwtFor('probe') }, 0);
  return { tenant, instance, url };
}

function jwtFor(sub: string): Promise<string> {
  return new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(JWT_SECRET));
}

async function newUser(tenant: ApiClient, instance: InstanceView, userId: string, password: string): Promise<void> {
  expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId, password })).status).toBe(201);
}

async function newDevice(tenant: ApiClient, instance: InstanceView, clientId: string): Promise<CreatedDevice> {
  const created = await tenant.post<CreatedDevice>(`/v1/instances/${instance.id}/devices`, { clientId });
  expect(created.status).toBe(201);
  return created.body;
}

/** The MQTT options of a device presenting a token signed with `key`. */
function device(clientId: string, key: string, protocolVersion: 4 | 5 = 5) {
  return { clientId, username: clientId, password: signDeviceToken(clientId, key, inSeconds(600)), protocolVersion };
}

describe('revocation events disconnect exactly the clients that used the revoked credential', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;
  const open: MqttClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    // No resync during the test: a disconnection can only come from the change event.
    stack = await startStack(testConfig(), db.url, { broker: { resyncIntervalMs: 3_600_000, fullSweepIntervalMs: 3_600_000 } });
    ({ tenant, instance, url } = await revocationInstance(stack, 'live'));
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
  });

  async function connected(options: Parameters<typeof connectFrom>[1]): Promise<MqttClient> {
    const client = await connectFrom(url, options);
    open.push(client);
    return client;
  }

  it('deleting a built-in user disconnects its built-in-database client and keeps a JWT client with the same user name', async () => {
    await newUser(tenant, instance, 'alice', 'pw-alice');
    const byPassword = await connected({ protocolVersion: 5, clientId: 'alice-db', username: 'alice', password: 'pw-alice' });
    const byJwt = await connected({ protocolVersion: 5, clientId: 'alice-jwt', username: 'alice', password: await jwtFor('alice') });
    const closed = whenClosed(byPassword);

    expect((await tenant.delete(`/v1/instances/${instance.id}/users/alice`)).status).toBe(204);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);
    // The revocation ran in one pass over the instance's clients: the JWT client was judged and kept.
    await stillServed(byJwt);
  });

  it('regenerating the primary key disconnects the client it verified and keeps the client the secondary key verified', async () => {
    const meter = await newDevice(tenant, instance, 'meter-1');
    const fence = await newDevice(tenant, instance, 'meter-fence');
    const primarySigned = await connected(device('meter-1', meter.primaryKey));
    const closed = whenClosed(primarySigned);
    const regenerated = await tenant.post<{ primaryKey: string }>(`/v1/instances/${instance.id}/devices/meter-1/keys/regenerate`, { key: 'primary' });
    expect(regenerated.status).toBe(200);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);

    // The same device (one client id, so one connection at a time), now signed with the secondary key.
    const secondarySigned = await connected(device('meter-1', meter.secondaryKey, 4));
    const fenceClient = await connected(device('meter-fence', fence.primaryKey));
    const fenceClosed = whenClosed(fenceClient);
    expect((await tenant.post(`/v1/instances/${instance.id}/devices/meter-1/keys/regenerate`, { key: 'primary' })).status).toBe(200);
    // Events of one publisher arrive in order and are applied as they arrive: once the later
    // deletion has disconnected its device, the regeneration before it has been applied.
    expect((await tenant.delete(`/v1/instances/${instance.id}/devices/meter-fence`)).status).toBe(204);
    expect((await fenceClosed).reasonCode).toBe(V5.notAuthorized);
    await stillServed(secondarySigned);
  });

  it('disabling a device disconnects its client whichever key signed, 3.1.1 included', async () => {
    const meter = await newDevice(tenant, instance, 'meter-2');
    const secondarySigned = await connected(device('meter-2', meter.secondaryKey, 4));
    const bystander = await connected({ protocolVersion: 5, clientId: 'meter-2-jwt', username: 'meter-2', password: await jwtFor('meter-2') });
    const closed = whenClosed(secondarySigned);
    expect((await tenant.patch(`/v1/instances/${instance.id}/devices/meter-2`, { status: 'DISABLED' })).status).toBe(200);
    await closed;
    await stillServed(bystander);
  });
});

describe('a lost revocation event is repaired by the periodic resync', () => {
  const config = testConfig();
  const box = new SecretBox(config.masterKey);
  let db: TestDatabase;
  let stack: Stack;
  let sql: Client;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;
  const open: MqttClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url, { broker: { resyncIntervalMs: 250, fullSweepIntervalMs: 250 } });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    ({ tenant, instance, url } = await revocationInstance(stack, 'lost-events'));
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
    await sql?.end();
    await stack?.close();
    await db?.drop();
  });

  async function connected(options: Parameters<typeof connectFrom>[1]): Promise<MqttClient> {
    const client = await connectFrom(url, options);
    open.push(client);
    return client;
  }

  /** Replaces a device's primary key in the database alone, as the API would seal it; nobody is told. */
  async function replacePrimaryKeysSilently(clientIds: string[]): Promise<void> {
    const rows = await sql.query<{ id: string }>('SELECT id FROM devices WHERE instance_id = $1 AND client_id = ANY($2::text[])', [instance.id, clientIds]);
    expect(rows.rowCount).toBe(clientIds.length);
    await sql.query('BEGIN');
    for (const { id } of rows.rows) {
      const sealed = box.seal(randomBytes(32).toString('base64'), SECRET_CONTEXT.deviceKey(id, 'primary'));
      await sql.query('UPDATE devices SET primary_key_sealed = $2 WHERE id = $1', [id, sealed]);
    }
    await sql.query('COMMIT');
  }

  it('disconnects the built-in-database clients of a user deleted in the database alone, 5.0 with 0x87 and 3.1.1 closed, and keeps the JWT client', async () => {
    await newUser(tenant, instance, 'carol', 'pw-carol');
    const v5 = await connected({ protocolVersion: 5, clientId: 'carol-5', username: 'carol', password: 'pw-carol' });
    const v311 = await connected({ protocolVersion: 4, clientId: 'carol-4', username: 'carol', password: 'pw-carol' });
    const byJwt = await connected({ protocolVersion: 5, clientId: 'carol-jwt', username: 'carol', password: await jwtFor('carol') });
    const closed = Promise.all([whenClosed(v5), whenClosed(v311)]);

    // As if the change event had been lost: the row goes, nobody is told.
    await sql.query('DELETE FROM built_in_users WHERE instance_id = $1 AND user_id = $2', [instance.id, 'carol']);
    const [closed5] = await closed;
    expect(closed5.reasonCode).toBe(V5.notAuthorized);
    await stillServed(byJwt);
  });

  it('disconnects the client of a device disabled in the database alone', async () => {
    const meter = await newDevice(tenant, instance, 'meter-3');
    const client = await connected(device('meter-3', meter.secondaryKey));
    const closed = whenClosed(client);
    await sql.query(`UPDATE devices SET status = 'DISABLED' WHERE instance_id = $1 AND client_id = $2`, [instance.id, 'meter-3']);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);
  });

  it('disconnects the client of a device deleted in the database alone', async () => {
    const meter = await newDevice(tenant, instance, 'meter-4');
    const client = await connected(device('meter-4', meter.primaryKey, 4));
    const closed = whenClosed(client);
    await sql.query('DELETE FROM devices WHERE instance_id = $1 AND client_id = $2', [instance.id, 'meter-4']);
    await closed;
  });

  it('disconnects a client whose verifying key was replaced in the database alone, and keeps one the unchanged key verified', async () => {
    const replaced = await newDevice(tenant, instance, 'meter-5');
    const kept = await newDevice(tenant, instance, 'meter-6');
    const primarySigned = await connected(device('meter-5', replaced.primaryKey));
    const secondarySigned = await connected(device('meter-6', kept.secondaryKey));
    const closed = whenClosed(primarySigned);

    // Both devices' primary keys change in one transaction; meter-6 was verified by its secondary.
    await replacePrimaryKeysSilently(['meter-5', 'meter-6']);
    expect((await closed).reasonCode).toBe(V5.notAuthorized);
    // One resync pass read both devices in one query and judged both clients: meter-6 was kept.
    await stillServed(secondarySigned);
  });
});
