import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { generate } from 'mqtt-packet';
import { createTestDatabase, eventually, testConfig, type ApiClient, type TestDatabase } from '@mqc/testing';
import { instanceCaFromDatabase, issueWithOpenssl, opensslCa, scratch } from '../support/x509';
import { addAuthenticator, untilConnack } from '../support/auth';
import { connectClient, newTenant, nextMessage, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const DOMAIN = 'mqtt.test';

describe("a broker node's shared TLS endpoint, routed by server name", () => {
  const base = testConfig();
  const config = testConfig({ brokerPorts: base.brokerPorts, sharedTlsPort: base.brokerPorts.last, publicDomain: DOMAIN });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  const instances: { view: InstanceView; ca: string }[] = [];

  async function instanceWithUser(name: string, userId: string): Promise<{ view: InstanceView; ca: string }> {
    const view = await runningInstance(tenant, name);
    await addAuthenticator(tenant, view.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${view.id}/users`, { userId, password: `${userId}-pw` })).status).toBe(201);
    await untilConnack(view.endpoints!.mqtt, { username: userId, password: `${userId}-pw` }, 0);
    const ca = await tenant.get<string>(`/v1/instances/${view.id}/ca.pem`);
    return { view, ca: ca.body };
  }

  /** mqtt.js over TLS to the shared port, naming `serverName`, checking the certificate against `ca` and that name. */
  const viaShared = (serverName: string, ca: string, userId: string) =>
    connectClient(`mqtts://127.0.0.1:${config.sharedTlsPort}`, { servername: serverName, ca, rejectUnauthorized: true, username: userId, password: `${userId}-pw`, protocolVersion: 5 });

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    instances.push(await instanceWithUser('plant-a', 'alice'), await instanceWithUser('plant-b', 'bob'));
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('shows both forms of the endpoint', () => {
    const { view } = instances[0]!;
    expect(view.endpoints).toMatchObject({ mqtts: expect.stringMatching(/^mqtts:\/\/127\.0\.0\.1:\d+$/), mqttsShared: `mqtts://${view.id}.${DOMAIN}:${config.sharedTlsPort}` });
  });

  it("serves each instance with its own certificate and engine: a message stays in its instance", async () => {
    const [a, b] = instances as [{ view: InstanceView; ca: string }, { view: InstanceView; ca: string }];
    const alice = await viaShared(`${a.view.id}.${DOMAIN}`, a.ca, 'alice');
    const bob = await viaShared(`${b.view.id}.${DOMAIN}`, b.ca, 'bob');
    // The same user on its instance's own TLS port shares the engine with the shared port.
    const aliceOwnPort = await connectClient(a.view.endpoints!.mqtts, { ca: a.ca, servername: 'localhost', username: 'alice', password: 'alice-pw' });
    try {
      await Promise.all([alice.subscribeAsync('plant/t'), bob.subscribeAsync('plant/t')]);
      const toAlice = nextMessage(alice);
      let bobGot = false;
      bob.on('message', () => (bobGot = true));
      await aliceOwnPort.publishAsync('plant/t', 'only for plant-a', { qos: 1 });
      expect(await toAlice).toEqual({ topic: 'plant/t', payload: 'only for plant-a' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(bobGot).toBe(false);
    } finally {
      await Promise.all([alice, bob, aliceOwnPort].map((c) => c.endAsync()));
    }
  });

  it("refuses another instance's user and a certificate checked against another instance's CA", async () => {
    const [a, b] = instances as [{ view: InstanceView; ca: string }, { view: InstanceView; ca: string }];
    // bob is a user of plant-b only.
    await expect(viaShared(`${a.view.id}.${DOMAIN}`, a.ca, 'bob')).rejects.toMatchObject({ code: 0x86 });
    // Naming plant-b, the client is shown plant-b's certificate: plant-a's CA does not verify it.
    await expect(viaShared(`${b.view.id}.${DOMAIN}`, a.ca, 'bob')).rejects.toThrow(/certificate/i);
  });

  it('refuses at the handshake a client that names no instance of the node, or no name at all', async () => {
    const handshake = (servername: string | undefined) =>
      new Promise<string>((resolve) => {
        const socket = connectTls({ host: '127.0.0.1', port: config.sharedTlsPort!, servername, rejectUnauthorized: false });
        socket.once('secureConnect', () => (socket.destroy(), resolve('connected')));
        socket.once('error', (error) => resolve(error.message));
      });
    expect(await handshake(`00000000-0000-4000-8000-000000000000.${DOMAIN}`)).not.toBe('connected');
    expect(await handshake('elsewhere.example')).not.toBe('connected');
    expect(await handshake(undefined)).not.toBe('connected');
  });

  it("mTLS works the same: the instance's CA verifies a device certificate presented on the shared port; no certificate is refused", async () => {
    const [a] = instances as [{ view: InstanceView; ca: string }];
    expect((await tenant.post(`/v1/instances/${a.view.id}/authenticators`, { type: 'x509', config: { identityFrom: 'cn', as: 'clientid' } })).status).toBe(201);
    expect((await tenant.request('PUT', `/v1/instances/${a.view.id}/x509`, { mode: 'mTLS' })).status).toBe(200);
    const tmp = scratch();
    try {
      const instanceCa = await instanceCaFromDatabase(db.url, config.masterKey, a.view.id);
      writeFileSync(tmp.path('instance-ca.pem'), instanceCa.certPem);
      writeFileSync(tmp.path('instance-ca.key'), instanceCa.keyPem);
      const device = issueWithOpenssl(tmp, opensslCa(tmp), 'device-1', { cn: 'device-1', issuer: 'instance-ca' });
      const serverName = `${a.view.id}.${DOMAIN}`;
      await eventually(async () => {
        const client = await connectClient(`mqtts://127.0.0.1:${config.sharedTlsPort}`, { servername: serverName, ca: a.ca, cert: device.certPem, key: device.keyPem, clientId: 'device-1', protocolVersion: 5 });
        await client.endAsync();
      }, 10_000);
      await expect(viaShared(serverName, a.ca, 'alice')).rejects.toMatchObject({ code: 0x87 });
    } finally {
      tmp.remove();
    }
  });

  it('TLS-PSK works the same when the client asks for TLS 1.2: the identity is looked up in the named instance', async () => {
    const platinum = await runningInstance(tenant, 'psk-plant', 'platinum');
    await addAuthenticator(tenant, platinum.id, 'psk', { identityAsUsername: true });
    const created = await tenant.post<{ key: string }>(`/v1/instances/${platinum.id}/psk-identities`, { identity: 'meter-7' });
    expect(created.status).toBe(201);
    const connack = (serverName: string) =>
      new Promise<Buffer>((resolve) => {
        const socket = connectTls({
          host: '127.0.0.1',
          port: config.sharedTlsPort!,
          servername: serverName,
          maxVersion: 'TLSv1.2',
          ciphers: 'PSK-AES128-GCM-SHA256',
          checkServerIdentity: () => undefined,
          pskCallback: () => ({ identity: 'meter-7', psk: Buffer.from(created.body.key, 'hex') }),
        });
        const received: Buffer[] = [];
        socket.once('secureConnect', () => socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'psk-7', clean: true, keepalive: 30 })));
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          if (Buffer.concat(received).length >= 4) socket.destroy();
        });
        socket.once('close', () => resolve(Buffer.concat(received)));
        socket.once('error', () => undefined);
      });
    await eventually(async () => expect(await connack(`${platinum.id}.${DOMAIN}`)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00])), 10_000);
    // The same identity and key, naming an instance that does not hold them: no handshake.
    const a = instances[0]!;
    expect((await connack(`${a.view.id}.${DOMAIN}`)).length).toBe(0);
  });
});
