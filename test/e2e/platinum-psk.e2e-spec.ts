import { execFile, spawn } from 'node:child_process';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { generate } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { PacketClient } from '../../apps/broker/src/protocol/testing/packet-client';
import { addAuthenticator } from '../support/auth';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const run = promisify(execFile);

/** MQTT 3.1.1 CONNECT without credentials: the PSK identity is the client's identity. */
const CONNECT = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'openssl-psk', clean: true, keepalive: 30 });
const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00]);

/**
 * OpenSSL's s_client does the TLS-PSK handshake (TLS 1.2) and carries a CONNECT written
 * byte by byte; resolves with the negotiated suite and the bytes the broker answered.
 */
function opensslPsk(port: number, identity: string, keyHex: string): Promise<{ cipher: string; received: Buffer; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-psk', keyHex, '-psk_identity', identity, '-tls1_2', '-brief', '-ign_eof'], { stdio: 'pipe' });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (Buffer.concat(out).length >= 4) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ cipher: /Ciphersuite: (\S+)/.exec(err)?.[1] ?? '', received: Buffer.concat(out), code });
    });
    child.stdin.write(CONNECT);
  });
}

/** A Node TLS-PSK client (a third implementation) carrying a packet-level MQTT client. */
async function nodePskClient(port: number, identity: string, keyHex: string): Promise<PacketClient> {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    maxVersion: 'TLSv1.2',
    ciphers: 'PSK-AES128-GCM-SHA256',
    checkServerIdentity: () => undefined,
    pskCallback: () => ({ identity, psk: Buffer.from(keyHex, 'hex') }),
  });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return new PacketClient(socket, 5);
}

describe('platinum: TLS-PSK identities, through the console API, OpenSSL and mosquitto', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let port: number;
  let key: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'psk-plant', 'platinum');
    port = portOf(instance.endpoints!.mqtts);
    await addAuthenticator(tenant, instance.id, 'psk', { identityAsUsername: true });
    await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'cert-user', password: 'pw' })).status).toBe(201);
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('creates an identity whose key is shown once and sealed at rest', async () => {
    const created = await tenant.post<{ identity: string; key: string; createdAt: string }>(`/v1/instances/${instance.id}/psk-identities`, { identity: 'meter-7' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.key).toMatch(/^[0-9a-f]{64}$/);
    key = created.body.key;
    const listed = await tenant.get<{ items: Record<string, unknown>[] }>(`/v1/instances/${instance.id}/psk-identities`);
    expect(listed.body.items).toEqual([{ identity: 'meter-7', createdAt: created.body.createdAt }]);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    const given = await tenant.post<{ key: string }>(`/v1/instances/${instance.id}/psk-identities`, { identity: 'gateway-1', key: '00112233445566778899AABBCCDDEEFF' });
    expect(given.body.key).toBe('00112233445566778899aabbccddeeff');
    expect((await tenant.post(`/v1/instances/${instance.id}/psk-identities`, { identity: 'meter-7' })).status).toBe(409);
    const audit = await tenant.get<{ items: { action: string }[] }>('/v1/audit-events');
    expect(audit.body.items.map((e) => e.action)).toContain('psk-identity.create');
    expect(JSON.stringify(audit.body)).not.toContain(key);
  });

  it('validates identities and keys, and is platinum only', async () => {
    const bad = await tenant.post<{ errors: { field: string }[] }>(`/v1/instances/${instance.id}/psk-identities`, { identity: 'has space', key: 'abc' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e) => e.field).sort()).toEqual(['identity', 'key']);
    const professional = await runningInstance(tenant, 'psk-pro', 'professional');
    const refused = await tenant.post<{ code: string }>(`/v1/instances/${professional.id}/psk-identities`, { identity: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('method-not-in-edition');
  });

  it('accepts `openssl s_client -psk … -tls1_2` with a PSK suite, and the CONNECT it carries', async () => {
    const result = await eventually(async () => {
      const attempt = await opensslPsk(port, 'meter-7', key);
      expect(attempt.received.subarray(0, 4)).toEqual(CONNACK_ACCEPTED);
      return attempt;
    }, 10_000);
    expect(result.cipher).toMatch(/PSK/);
  });

  it('refuses the handshake for a wrong key or an unknown identity', async () => {
    const wrongKey = await opensslPsk(port, 'meter-7', 'ff'.repeat(32));
    expect(wrongKey.received.length).toBe(0);
    const unknown = await opensslPsk(port, 'nobody', key);
    expect(unknown.received.length).toBe(0);
  });

  it('accepts `mosquitto_pub --psk`, with the identity as user name (another name is refused)', async () => {
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '--psk', key, '--psk-identity', 'meter-7', '-i', 'mosq-psk', '-t', 'meters/7', '-m', '42']);
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '--psk', '00112233445566778899aabbccddeeff', '--psk-identity', 'gateway-1', '-t', 'g/1', '-m', '1', '-V', 'mqttv5']);
    await expect(run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '--psk', key, '--psk-identity', 'meter-7', '-u', 'someone-else', '-t', 't', '-m', 'x'])).rejects.toThrow();
    await expect(run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '--psk', 'ab'.repeat(32), '--psk-identity', 'meter-7', '-t', 't', '-m', 'x'])).rejects.toThrow();
  });

  it('keeps serving certificate clients on the same listener', async () => {
    const ca = await tenant.get<string>(`/v1/instances/${instance.id}/ca.pem`);
    const client = await connectClient(instance.endpoints!.mqtts, { username: 'cert-user', password: 'pw', ca: Buffer.from(ca.body), protocolVersion: 5 });
    await client.endAsync();
  });

  it('disconnects the clients of a deleted identity, and refuses its next handshake', async () => {
    const client = await nodePskClient(port, 'gateway-1', '00112233445566778899aabbccddeeff');
    expect((await client.connect({ clientId: 'node-psk', protocolVersion: 5 })).reasonCode).toBe(0);
    expect((await tenant.delete(`/v1/instances/${instance.id}/psk-identities/gateway-1`)).status).toBe(204);
    expect((await client.expect('disconnect')).reasonCode).toBe(0x87);
    await eventually(async () => {
      await expect(nodePskClient(port, 'gateway-1', '00112233445566778899aabbccddeeff')).rejects.toThrow();
    });
    expect((await tenant.delete(`/v1/instances/${instance.id}/psk-identities/gateway-1`)).status).toBe(404);
  });
});
