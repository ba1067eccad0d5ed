import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { ConnectionInfo, InstanceBroker } from '../protocol/instance-broker';

/** How long a TLS client may stay silent after its handshake before it is closed (the engine's CONNECT timeout starts once its first bytes say which protocol it speaks). */
const FIRST_BYTES_TIMEOUT_MS = 10_000;
/** An HTTP request line starts with a method; MQTT's first byte is CONNECT's 0x10. */
const HTTP_GET = 0x47; // 'G'

/**
 * Hands a TLS connection to MQTT or, when its first bytes are an HTTP request (`GET /mqtt`), to
 * MQTT over WebSocket: one port serves mqtts and wss with the same certificate and X.509 mode.
 * The first chunk is put back before either reads it.
 */
export function routeByFirstBytes(socket: TLSSocket, mqtt: () => void, websocket: () => void): void {
  const timer = setTimeout(() => socket.destroy(), FIRST_BYTES_TIMEOUT_MS);
  timer.unref();
  const cancel = () => clearTimeout(timer);
  socket.once('close', cancel);
  socket.once('data', (chunk: Buffer) => {
    cancel();
    socket.off('close', cancel);
    socket.pause();
    socket.unshift(chunk);
    if (chunk[0] === HTTP_GET) websocket();
    else mqtt();
    socket.resume();
  });
}

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
