import type { IPubrelPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';
import { RC } from '../reason-codes';
import { pubcompPacket } from './ack-packets';
import { touchSession } from '../durable-writes';

/**
 * The client releases an inbound QoS 2 message. The message was routed on PUBLISH; the id is
 * forgotten now and PUBCOMP sent [MQTT-4.3.3-11]. 5.0: an unknown id gets 0x92.
 */
export function handlePubrel(ctx: InstanceContext, connection: ClientConnection, packet: IPubrelPacket): void {
  const session = connection.session;
  const packetId = packet.messageId;
  if (session === undefined || packetId === undefined) return;
  const known = session.released(packetId);
  if (known && session.expirySeconds > 0) void touchSession(ctx, session);
  if (!known && connection.protocolVersion === 5) {
    connection.send({ cmd: 'pubcomp', messageId: packetId, reasonCode: RC.packetIdentifierNotFound });
    return;
  }
  connection.write(pubcompPacket(packetId));
}
