import type { LookupFunction } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import type mqtt from 'mqtt';
import { generate } from 'mqtt-packet';
import type { EditionName } from '@mqc/editions';
import { createTestDatabase, eventually, testConfig, type ApiClient, type TestDatabase } from '@mqc/testing';
import { Client } from 'pg';
import { instanceCaFromDatabase, issueWithOpenssl, opensslCa, scratch } from '../support/x509';
import { addAuthenticator } from '../support/auth';
import { connectClient, newTenant, nextMessage, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const DOMAIN = 'mqtt.test';

/** Resolves every name to 127.0.0.1, so a client can dial `<instance id>.mqtt.test` by name. */
const toLoopback = ((_host: string, options: { all?: boolean }, done: (...args: unknown[]) => void) =>
  options.all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)) as unknown as LookupFunction;

describe("a broker node's shared TLS endpoint, routed by server name", () => {
  const base = testConfig();
  const config = testConfig({ brokerPorts: base.brokerPorts, sharedTlsPort: base.brokerPorts.last, publicDomain: DOMAIN });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  /** plant-a: professional (ports of its own and the shared endpoint); plant-b: basic, served on the shared endpoint only. */
  const instances: { view: InstanceView; ca: string }[] = [];

  async function instanceWithUser(name: string, userId: string, edition: EditionName): Promise<{ view: InstanceView; ca: string }> {
    const view = await runningInstance(tenant, name, edition);
    await addAuthenticator(tenant, view.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${view.id}/users`, { userId, password: `${userId}-pw` })).status).toBe(201);
    const ca = (await tenant.get<string>(`/v1/instances/${view.id}/ca.pem`)).body;
    await eventually(async () => (await viaShared(`${view.id}.${DOMAIN}`, ca, userId)).endAsync(), 10_000);
    return { view, ca };
  }

  /** mqtt.js over TLS to the shared port, naming `serverName`, checking the certificate against `ca` and that name. */
  const viaShared = (serverName: string, ca: string, userId: string) =>
    connectClient(`mqtts://127.0.0.1:${config.sharedTlsPort}`, { servername: serverName, ca, rejectUnauthorized: true, username: userId, password: `${userId}-pw`, protocolVersion: 5 });

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    instances.push(await instanceWithUser('plant-a', 'alice', 'professional'), await instanceWithUser('plant-b', 'bob', 'basic'));
  });

  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('shows both forms of the endpoint, mqtts and wss, for an edition with ports of its own', () => {
    const { view } = instances[0]!;
    expect(view.endpoints).toMatchObject({
      mqtts: expect.stringMatching(/^mqtts:\/\/127\.0\.0\.1:\d+$/),
      mqttsShared: `mqtts://${view.id}.${DOMAIN}:${config.sharedTlsPort}`,
      wssShared: `wss://${view.id}.${DOMAIN}:${config.sharedTlsPort}/mqtt`,
    });
  });

  it('serves a basic instance on the shared endpoint only: no ports allocated, none listening, only the shared forms shown', async () => {
    const { view } = instances[1]!;
    expect(view.status).toBe('RUNNING');
    expect(view.endpoints).toEqual({ mqttsShared: `mqtts://${view.id}.${DOMAIN}:${config.sharedTlsPort}`, wssShared: `wss://${view.id}.${DOMAIN}:${config.sharedTlsPort}/mqtt` });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const row = (await pg.query<{ mqtt_port: number | null; mqtts_port: number | null; ws_port: number | null }>('SELECT mqtt_port, mqtts_port, ws_port FROM instances WHERE id = $1', [view.id])).rows[0];
      expect(row).toEqual({ mqtt_port: null, mqtts_port: null, ws_port: null });
      expect((await pg.query('SELECT port FROM instance_ports WHERE instance_id = $1', [view.id])).rowCount).toBe(0);
      // Every port the deployment handed out belongs to plant-a (and the PSK test's platinum instance): three each.
      const allocated = (await pg.query<{ instance_id: string }>('SELECT instance_id FROM instance_ports')).rows.map((r) => r.instance_id);
      expect(allocated.filter((id) => id === instances[0]!.view.id)).toHaveLength(3);
    } finally {
      await pg.end();
    }
    // The broker listens on no port of its own for it: the range's ports not handed out refuse connections.
    const probe = (port: number) =>
      new Promise<boolean>((resolve) => {
        const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false });
        socket.once('secureConnect', () => (socket.destroy(), resolve(true)));
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'ECONNREFUSED'));
      });
    const own = instances[0]!.view.endpoints!;
    const used = new Set([own.mqtt, own.mqtts, own.ws].map((url) => Number(new URL(url).port)));
    for (let port = config.brokerPorts.first; port < config.brokerPorts.last; port++) {
      if (!used.has(port)) expect(await probe(port), `port ${port}`).toBe(false);
    }
  });

  it('accepts mqtt.js over wss on the shared endpoint, by name, for either kind of instance; a message stays in its instance', async () => {
    const wss = (instance: { view: InstanceView; ca: string }, userId: string) =>
      connectClient(`wss://${instance.view.id}.${DOMAIN}:${config.sharedTlsPort}/mqtt`, {
        ca: instance.ca,
        rejectUnauthorized: true,
        // ws hands these to tls.connect: the server name to send and a resolver for the test domain.
        wsOptions: { servername: `${instance.view.id}.${DOMAIN}`, lookup: toLoopback } as mqtt.IClientOptions['wsOptions'],
        username: userId,
        password: `${userId}-pw`,
        protocolVersion: 5,
      });
    const [a, b] = instances as [{ view: InstanceView; ca: string }, { view: InstanceView; ca: string }];
    expect(b.view.endpoints).toMatchObject({ wssShared: `wss://${b.view.id}.${DOMAIN}:${config.sharedTlsPort}/mqtt` });
    const aliceWss = await wss(a, 'alice');
    const bobWss = await wss(b, 'bob');
    const bobTls = await viaShared(`${b.view.id}.${DOMAIN}`, b.ca, 'bob');
    try {
      await Promise.all([aliceWss.subscribeAsync('line/t'), bobWss.subscribeAsync('line/t')]);
      const toBob = nextMessage(bobWss);
      let aliceGot = false;
      aliceWss.on('message', () => (aliceGot = true));
      await bobTls.publishAsync('line/t', 'only for plant-b', { qos: 1 });
      expect(await toBob).toEqual({ topic: 'line/t', payload: 'only for plant-b' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(aliceGot).toBe(false);
    } finally {
      await Promise.all([aliceWss, bobWss, bobTls].map((c) => c.endAsync()));
    }
    // The wss client checks the certificate against the name too: plant-a's CA does not verify plant-b's.
    await expect(wss({ view: b.view, ca: a.ca }, 'bob')).rejects.toThrow(/certificate/i);
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
