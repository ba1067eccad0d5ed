import type { IPubackPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';
import { drainQueue } from '../outbound';
import { settleDelivery } from '../durable-writes';

/** The client acknowledged a QoS 1 message we sent: it leaves the in-flight window [MQTT-4.3.2-?]. */
export function handlePuback(ctx: InstanceContext, connection: ClientConnection, packet: IPubackPacket): void {
  const session = connection.session;
  const packetId = packet.messageId;
  if (session === undefined || packetId === undefined) return;
  const entry = session.inflight.get(packetId);
  // An unknown id (already acknowledged, or a QoS 2 id) is ignored.
  if (entry === undefined || entry.delivery.qos !== 1) return;
  session.deleteInflight(packetId);
  settleDelivery(ctx, session, entry.delivery);
  drainQueue(ctx, session);
}
