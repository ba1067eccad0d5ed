import type { IAuthPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { RC } from '../reason-codes';

/**
 * The chain decides in one step on CONNECT; multi-step enhanced authentication and
 * re-authentication are not offered. AUTH without an authentication method on CONNECT is a
 * protocol error [MQTT-4.12.0-1]; with one, re-authentication is refused as a bad method.
 */
export function handleAuth(ctx: InstanceContext, connection: ClientConnection, packet: IAuthPacket): void {
  const usedMethod = packet.properties?.authenticationMethod !== undefined && connection.authenticationMethod !== undefined;
  if (usedMethod) violation(ctx, connection, RC.badAuthenticationMethod, 're-authentication is not supported');
  else violation(ctx, connection, RC.protocolError, 'AUTH without an authentication method on CONNECT');
}
