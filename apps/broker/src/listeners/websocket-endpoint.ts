import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { ConnectionInfo, InstanceBroker } from '../protocol/instance-broker';

/** MQTT over WebSocket at `/mqtt`, subprotocol `mqtt` (MQTT 5.0 section 6), on sockets someone else accepted. */
export interface WebSocketEndpoint {
  /** The HTTP server that reads the upgrade requests; listen on it (ws) or hand it sockets (`serve`). */
  readonly http: Server;
  /** Serves a socket that already carries an HTTP request (a TLS socket whose first bytes were `GET`). */
  serve(socket: Socket): void;
  close(): Promise<void>;
}

/**
 * The WebSocket half of a listener, shared by the ws listener (its own port) and the TLS
 * listener (wss on the mqtts port): `infoOf` says what the socket under the upgrade proved
 * (transport, the TLS handshake), so the engine admits a wss client exactly as an mqtts one.
 */
export function createWebSocketEndpoint(broker: InstanceBroker, maxPayload: number, infoOf: (socket: Socket, request: IncomingMessage) => ConnectionInfo): WebSocketEndpoint {
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
    broker.handleConnection(stream, infoOf(request.socket, request));
  });
  return {
    http,
    serve(socket) {
      http.emit('connection', socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => (http.listening ? http.close(() => resolve()) : resolve()));
        http.closeAllConnections();
      }),
  };
}
