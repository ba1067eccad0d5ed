import type { IPubcompPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';
import { drainQueue } from '../outbound';
import { settleDelivery } from '../durable-writes';

/** Last step of a QoS 2 delivery we sent: the message leaves the in-flight window. */
export function handlePubcomp(ctx: InstanceContext, connection: ClientConnection, packet: IPubcompPacket): void {
  const session = connection.session;
  const packetId = packet.messageId;
  if (session === undefined || packetId === undefined) return;
  const entry = session.inflight.get(packetId);
  if (entry === undefined || entry.phase !== 'pubrel') return;
  session.deleteInflight(packetId);
  settleDelivery(ctx, session, entry.delivery);
  drainQueue(ctx, session);
}
