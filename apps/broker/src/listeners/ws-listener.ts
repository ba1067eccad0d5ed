import { createServer } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { InstanceBroker } from '../protocol/instance-broker';
import { listen, type ListenSite, type Listener } from './listener';

/** MQTT over WebSocket at `/mqtt`, subprotocol `mqtt` (MQTT 5.0 section 6). */
export async function openWsListener(broker: InstanceBroker, site: ListenSite, maxPayload: number): Promise<Listener> {
  const http = createServer((_request, response) => response.writeHead(426, { 'content-type': 'text/plain' }).end('use a WebSocket at /mqtt'));
  const wss = new WebSocketServer({
    server: http,
    path: '/mqtt',
    maxPayload,
    handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  // ws re-emits the HTTP server's errors here; they are handled on the HTTP server (listen),
  // and without a listener here the first of them (a port in use) would crash the process.
  wss.on('error', () => undefined);
  wss.on('connection', (socket, request) => {
    const stream = createWebSocketStream(socket);
    stream.on('error', () => socket.terminate());
    broker.handleConnection(stream, { remoteAddress: request.socket.remoteAddress ?? 'unknown', transport: 'ws' });
  });
  await listen(http, site);
  return {
    port: site.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => http.close(() => resolve()));
        http.closeAllConnections();
      }),
  };
}
