import { createServer, type Socket } from 'node:net';
import type { InstanceBroker } from '../protocol/instance-broker';
import { listen, type ListenSite, type Listener } from './listener';

/** MQTT over TCP. */
export async function openTcpListener(broker: InstanceBroker, site: ListenSite): Promise<Listener> {
  const sockets = new Set<Socket>();
  // One function for every socket, not a closure (and a `once` wrapper) per socket.
  function forget(this: Socket): void {
    sockets.delete(this);
  }
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', forget);
    socket.setNoDelay(true);
    broker.handleConnection(socket, { remoteAddress: socket.remoteAddress ?? 'unknown', transport: 'tcp' });
  });
  await listen(server, site);
  return {
    port: site.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
