import type { IAuthPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { RC } from '../reason-codes';

/**
 * The chain decides in one step on CONNECT; multi-step enhanced authentication and
 * re-authentication are not offered. AUTH without an authentication method on CONNECT is a
 * protocol error [MQTT-4.12.0-1]; re-authentication is refused the same way (0x82 rather than
 * 0x8C, which mqtt-packet based clients cannot parse in a DISCONNECT).
 */
export function handleAuth(ctx: InstanceContext, connection: ClientConnection, _packet: IAuthPacket): void {
  const reason = connection.authenticationMethod === undefined ? 'AUTH without an authentication method on CONNECT' : 're-authentication is not supported';
  violation(ctx, connection, RC.protocolError, reason);
}
