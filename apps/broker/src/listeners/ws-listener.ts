import type { InstanceBroker } from '../protocol/instance-broker';
import { listen, type ListenSite, type Listener } from './listener';
import { createWebSocketEndpoint } from './websocket-endpoint';

/** MQTT over WebSocket at `/mqtt`, subprotocol `mqtt` (MQTT 5.0 section 6), on its own port. */
export async function openWsListener(broker: InstanceBroker, site: ListenSite, maxPayload: number): Promise<Listener> {
  const endpoint = createWebSocketEndpoint(broker, maxPayload, (socket) => ({ remoteAddress: socket.remoteAddress ?? 'unknown', transport: 'ws' }));
  await listen(endpoint.http, site);
  return { port: site.port, close: () => endpoint.close() };
}
