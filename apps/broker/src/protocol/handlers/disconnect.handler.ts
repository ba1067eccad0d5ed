import type { IDisconnectPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { closeConnection, violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { RC } from '../reason-codes';

export function handleDisconnect(ctx: InstanceContext, connection: ClientConnection, packet: IDisconnectPacket): void {
  if (connection.protocolVersion === 5) {
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined) {
      // [MQTT-3.14.2-2] a session expiry of 0 on CONNECT cannot become non-zero on DISCONNECT.
      if (connection.connectSessionExpiry === 0 && expiry !== 0) {
        violation(ctx, connection, RC.protocolError, 'session expiry interval was 0 on CONNECT');
        return;
      }
      if (connection.session !== undefined) connection.session.expirySeconds = Math.min(expiry, ctx.limits.maxSessionExpirySeconds);
    }
  }
  // [MQTT-3.14.4-3] a DISCONNECT discards the will; 5.0 reason 0x04 asks for it to be published.
  const publishWill = connection.protocolVersion === 5 && packet.reasonCode === RC.disconnectWithWill;
  closeConnection(ctx, connection, { publishWill, cause: publishWill ? 'client sent DISCONNECT with will (0x04)' : 'client sent DISCONNECT' });
}
