import type { IPubrecPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';
import { drainQueue } from '../outbound';
import { RC } from '../reason-codes';
import { pubrelPacket } from './ack-packets';

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
    session.inflight.delete(packetId);
    drainQueue(ctx, session);
    return;
  }
  entry.phase = 'pubrel';
  connection.write(pubrelPacket(packetId));
}
