import { createServer, type Socket } from 'node:net';
import type { InstanceBroker } from '../protocol/instance-broker';
import { listen, type Listener } from './listener';

/** MQTT over TCP. */
export async function openTcpListener(broker: InstanceBroker, host: string, port: number): Promise<Listener> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    broker.handleConnection(socket, { remoteAddress: socket.remoteAddress ?? 'unknown', transport: 'tcp' });
  });
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
