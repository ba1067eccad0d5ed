import type { IPubrecPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';
import { drainQueue } from '../outbound';
import { RC } from '../reason-codes';
import { pubrelPacket } from './ack-packets';
import { settleDelivery, touchSession } from '../durable-writes';

/** Step two of a QoS 2 delivery we sent: answer PUBREC with PUBREL [MQTT-4.3.3-4]. */
export function handlePubrec(ctx: InstanceContext, connection: ClientConnection, packet: IPubrecPacket): void {
  const session = connection.session;
  const packetId = packet.messageId;
  if (session === undefined || packetId === undefined) return;
  const entry = session.inflight.get(packetId);
  if (entry === undefined || entry.delivery.qos !== 2) {
    if (connection.protocolVersion === 5) connection.send({ cmd: 'pubrel', messageId: packetId, reasonCode: RC.packetIdentifierNotFound });
    else connection.write(pubrelPacket(packetId));
    return;
  }
  // 5.0: a PUBREC with an error reason code ends the exchange; the message is not released.
  if (connection.protocolVersion === 5 && (packet.reasonCode ?? 0) >= 0x80) {
    session.deleteInflight(packetId);
    settleDelivery(ctx, session, entry.delivery);
    drainQueue(ctx, session);
    return;
  }
  entry.phase = 'pubrel';
  if (entry.delivery.stored === undefined) {
    connection.write(pubrelPacket(packetId));
    return;
  }
  // Issue 14: exactly once across a restart: the release is stored before PUBREL, so a restarted
  // node sends PUBREL again rather than the message.
  touchSession(ctx, session).then(
    () => {
      if (session.connection === connection && session.inflight.get(packetId) === entry) connection.write(pubrelPacket(packetId));
    },
    () => undefined,
  );
}
