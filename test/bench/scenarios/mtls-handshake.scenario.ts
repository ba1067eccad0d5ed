import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, loadSigningCa } from '@mqc/pki';
import { forkBrokerServer, type BrokerKind, type BrokerProcess } from '../broker-process';
import { WARMUP_CONNECTS, measureConnectRate, type ConnectResult } from './connect-rate.scenario';

/** The certificates both brokers are measured with: one CA, a server certificate, a client certificate per client id. */
export interface MtlsMaterial {
  dir: string;
  caPem: string;
  clients: Map<string, { cert: string; key: string }>;
  remove(): void;
}

/** Made with libs/pki before any clock starts: EC P-256 client keys, CN = the client id. */
export async function mtlsMaterial(count: number): Promise<MtlsMaterial> {
  const dir = mkdtempSync(join(tmpdir(), 'mqc-bench-mtls-'));
  const ca = await createCertificateAuthority({ commonName: 'Bench CA', validityDays: 2 });
  const server = await issueServerCertificate({ ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  writeFileSync(join(dir, 'ca.pem'), ca.certPem);
  writeFileSync(join(dir, 'server.pem'), server.certPem);
  writeFileSync(join(dir, 'server.key'), server.keyPem);
  const signing = loadSigningCa(ca);
  const clients = new Map<string, { cert: string; key: string }>();
  const ids = [...Array.from({ length: count }, (_, i) => `c-${i}`), ...Array.from({ length: WARMUP_CONNECTS }, (_, i) => `w-${i}`)];
  for (const clientId of ids) {
    const issued = await issueClientCertificate({ ca: signing, commonName: clientId, validityDays: 1, keyAlgorithm: 'ec-p256' });
    clients.set(clientId, { cert: issued.certPem, key: issued.keyPem! });
  }
  return { dir, caPem: ca.certPem, clients, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One broker behind a mutual-TLS listener, in its own process (servers/mtls-<kind>.server.ts). */
export function startMtlsBrokerProcess(kind: BrokerKind, material: MtlsMaterial): Promise<BrokerProcess> {
  return forkBrokerServer(kind, `mtls-${kind}.server.js`, { BENCH_TLS_DIR: material.dir });
}

/** A full handshake with the client's certificate (no session resumption), CONNECT, CONNACK, close. */
function mtlsConnect(material: MtlsMaterial) {
  return (port: number, clientId: string): Promise<{ close(): void; code: number }> =>
    new Promise((resolve, reject) => {
      const presented = material.clients.get(clientId);
      if (!presented) return reject(new Error(`no certificate for ${clientId}`));
      const socket = connect({ port, host: '127.0.0.1', ca: material.caPem, cert: presented.cert, key: presented.key, servername: 'localhost' });
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let settled = false;
      const done = (code: number) => {
        if (settled) return;
        settled = true;
        resolve({ code, close: () => socket.destroy() });
      };
      parser.on('packet', (packet: Packet) => {
        if (packet.cmd === 'connack') done(packet.returnCode ?? -1);
      });
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      socket.once('secureConnect', () => {
        socket.setNoDelay(true);
        socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: true, keepalive: 0 }));
      });
      socket.once('error', (error) => (settled ? undefined : reject(error)));
      socket.once('close', () => done(-1));
    });
}

/** Mutual-TLS CONNECTs per second and broker CPU per CONNECT, each client with its own certificate. */
export async function mtlsHandshakeRate(broker: BrokerProcess, material: MtlsMaterial, o: { count: number; concurrency: number }): Promise<ConnectResult> {
  return measureConnectRate(broker, { count: o.count, concurrency: o.concurrency, prefix: 'c', open: mtlsConnect(material) });
}
