import { randomUUID } from 'node:crypto';
import { connect } from 'node:tls';
import { generate } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate } from '@mqc/pki';
import { createBroker } from '../protocol/testing/broker-fixture';
import type { InstanceBroker } from '../protocol/instance-broker';
import type { Listener } from './listener';
import { openSharedTlsListener, SharedTlsRoutes } from './shared-tls-listener';
import { createTlsSite, type TlsSite } from './tls-listener';

const DOMAIN = 'shared.test';

interface Served {
  id: string;
  /** The instance's CA: the only anchor its clients trust. */
  ca: string;
  broker: InstanceBroker;
  site: TlsSite;
}

async function serve(routes: SharedTlsRoutes): Promise<Served> {
  const id = randomUUID();
  const ca = await createCertificateAuthority({ commonName: `CA of ${id}`, validityDays: 30 });
  const server = await issueServerCertificate({ ca, commonName: `${id}.${DOMAIN}`, dnsNames: [`${id}.${DOMAIN}`], ipAddresses: [], validityDays: 30 });
  const broker = createBroker({}, undefined, id);
  const site = createTlsSite(broker, id, { certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem, mode: 'TLS', registeredCaPems: [] });
  routes.add(id, site);
  return { id, ca: ca.certPem, broker, site };
}

/** A TLS connection naming the instance, its certificate checked against the instance's CA and name, then an MQTT CONNECT: the CONNACK's code. */
function connackVia(port: number, served: Served): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: `${served.id}.${DOMAIN}`, ca: served.ca, rejectUnauthorized: true });
    socket.once('error', reject);
    socket.once('secureConnect', () => socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 30 })));
    socket.once('data', (bytes: Buffer) => {
      socket.destroy();
      resolve(bytes[3]!);
    });
  });
}

describe('the shared TLS endpoint keeps a bounded number of secure contexts (issue 16)', () => {
  const routes = new SharedTlsRoutes(DOMAIN, 2);
  let listener: Listener;
  let port: number;
  const served: Served[] = [];

  beforeAll(async () => {
    listener = await openSharedTlsListener(routes, { host: '127.0.0.1', port: 0, onError: () => undefined });
    port = listener.port;
    for (let i = 0; i < 3; i++) served.push(await serve(routes));
  });

  afterAll(async () => {
    await listener?.close();
    await Promise.all(served.map((s) => s.broker.close()));
  });

  it('makes none for an instance no client named yet', () => {
    expect(routes.contextsKept).toBe(0);
    expect(routes.contextsBuilt).toBe(0);
  });

  it('makes one on the first handshake naming an instance and reuses it for the next', async () => {
    const [a] = served as [Served];
    expect(await connackVia(port, a)).toBe(0);
    expect(await connackVia(port, a)).toBe(0);
    expect({ built: routes.contextsBuilt, kept: routes.contextsKept }).toEqual({ built: 1, kept: 1 });
  });

  it('evicts the least recently used beyond its bound; the evicted instance is served again with its own certificate', async () => {
    const [a, b, c] = served as [Served, Served, Served];
    expect(await connackVia(port, b)).toBe(0);
    expect(await connackVia(port, a)).toBe(0);
    // b is now the least recently used: c's context takes its place.
    expect(await connackVia(port, c)).toBe(0);
    expect({ kept: routes.contextsKept, evicted: routes.contextsEvicted }).toEqual({ kept: 2, evicted: 1 });
    const built = routes.contextsBuilt;
    expect(await connackVia(port, a)).toBe(0);
    expect(routes.contextsBuilt).toBe(built);
    // Each connection checked the certificate against that instance's CA and name alone.
    expect(await connackVia(port, b)).toBe(0);
    expect(routes.contextsBuilt).toBe(built + 1);
    expect({ kept: routes.contextsKept, evicted: routes.contextsEvicted }).toEqual({ kept: 2, evicted: 2 });
  });

  it('makes a new one after the instance’s TLS changed, and none is kept for a removed instance', async () => {
    const [a, b] = served as [Served, Served];
    const ca = await createCertificateAuthority({ commonName: 'a new CA', validityDays: 30 });
    const server = await issueServerCertificate({ ca, commonName: `${a.id}.${DOMAIN}`, dnsNames: [`${a.id}.${DOMAIN}`], ipAddresses: [], validityDays: 30 });
    a.site.update({ certPem: server.certPem, keyPem: server.keyPem, caPem: ca.certPem, mode: 'TLS', registeredCaPems: [] });
    await expect(connackVia(port, a)).rejects.toThrow(/certificate/i);
    expect(await connackVia(port, { ...a, ca: ca.certPem })).toBe(0);
    routes.remove(b.id, b.site);
    expect(routes.contextsKept).toBe(1);
    await expect(connackVia(port, b)).rejects.toThrow();
  });
});
