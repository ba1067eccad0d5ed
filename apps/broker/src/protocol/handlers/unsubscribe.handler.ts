import type { IUnsubscribePacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { RC } from '../reason-codes';
import { parseFilter } from '../topic-validation';
import { touchSession } from '../durable-writes';

export function handleUnsubscribe(ctx: InstanceContext, connection: ClientConnection, packet: IUnsubscribePacket): void {
  const session = connection.session;
  if (session === undefined) return;
  const packetId = packet.messageId ?? 0;
  // [MQTT-2.2.1-3], [MQTT-3.10.3-2] non-zero packet id, at least one filter.
  if (packetId === 0 || packet.unsubscriptions.length === 0) {
    violation(ctx, connection, RC.protocolError, 'UNSUBSCRIBE without packet id or filters');
    return;
  }
  const codes: number[] = [];
  for (const key of packet.unsubscriptions) {
    const subscription = session.subscriptions.get(key);
    if (subscription === undefined) {
      codes.push(parseFilter(key, ctx.limits) === undefined ? RC.topicFilterInvalid : RC.noSubscriptionExisted);
      continue;
    }
    // [MQTT-3.10.4-1] the subscription is deleted; no new messages for it.
    session.deleteSubscription(key);
    ctx.subscriptions.remove(subscription);
    codes.push(RC.success);
  }
  if (session.expirySeconds > 0) void touchSession(ctx, session);
  // [MQTT-3.10.4-4] UNSUBACK even when nothing matched; 5.0 with one reason code per filter.
  if (connection.protocolVersion === 5) connection.send({ cmd: 'unsuback', messageId: packetId, granted: codes });
  else connection.send({ cmd: 'unsuback', messageId: packetId, granted: [] });
}
