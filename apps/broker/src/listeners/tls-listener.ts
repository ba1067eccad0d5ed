import { createServer, type TLSSocket } from 'node:tls';
import type { InstanceBroker } from '../protocol/instance-broker';
import { listen, type Listener } from './listener';
import { INTERMEDIATE_CIPHERS, MIN_TLS_VERSION } from './tls-options';

export interface ServerTlsMaterial {
  certPem: string;
  keyPem: string;
  caPem: string;
}

/** MQTT over TLS with the instance's server certificate (one-way TLS). */
export async function openTlsListener(broker: InstanceBroker, host: string, port: number, material: ServerTlsMaterial): Promise<Listener> {
  const sockets = new Set<TLSSocket>();
  const server = createServer(
    { key: material.keyPem, cert: `${material.certPem}\n${material.caPem}`, minVersion: MIN_TLS_VERSION, ciphers: INTERMEDIATE_CIPHERS, honorCipherOrder: true },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.setNoDelay(true);
      broker.handleConnection(socket, { remoteAddress: socket.remoteAddress ?? 'unknown', transport: 'tls' });
    },
  );
  // A failed handshake is the client's problem, not the listener's.
  server.on('tlsClientError', () => undefined);
  await listen(server, port, host);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
