import { allowedBy, type ChainDecision } from '@mqc/auth';
import type { IAuthPacket } from 'mqtt-packet';
import { attachAuthorization } from '../authorization';
import type { ClientConnection } from '../client-connection';
import { closeConnection, violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { RC } from '../reason-codes';
import { AUTH_RC, authPacketProblem, sendAuth } from './auth-exchange';

/**
 * Re-authentication in an open session [MQTT-4.12.1]: the client sends AUTH 0x19 with the
 * method of its CONNECT and fresh data; the chain runs again, AUTH 0x18 goes back and forth
 * while it continues, and it ends with AUTH 0x00 (success, with the method's last data) or
 * DISCONNECT 0x87. Other traffic keeps flowing meanwhile. AUTH from a client that connected
 * without a method, with another method, or out of turn is a protocol error (0x82).
 */
export function handleAuth(ctx: InstanceContext, connection: ClientConnection, packet: IAuthPacket): void {
  const exchange = connection.authExchange;
  if (exchange.phase !== 'authenticated' && exchange.phase !== 'reauthenticating') {
    violation(ctx, connection, RC.protocolError, 'AUTH without an authentication method on CONNECT');
    return;
  }
  const { method } = exchange;
  if (exchange.phase === 'authenticated') {
    const problem = authPacketProblem(packet, method, AUTH_RC.reAuthenticate);
    if (problem !== undefined) {
      violation(ctx, connection, RC.protocolError, problem);
      return;
    }
    connection.authExchange = { phase: 'reauthenticating', method, next: undefined };
    const decision = ctx.authenticate({
      instanceId: ctx.instanceId,
      clientId: connection.clientId,
      // The identity of the session: a re-authentication may not switch users.
      username: connection.username,
      peerHost: connection.info.remoteAddress,
      protocolVersion: 5,
      certificate: connection.transportIdentity.certificate,
      pskIdentity: connection.transportIdentity.pskIdentity,
      authenticationMethod: method,
      authenticationData: packet.properties?.authenticationData,
    });
    void settle(ctx, connection, method, decision);
    return;
  }
  const { next } = exchange;
  const problem = next === undefined ? 'AUTH before the server answered the previous one' : authPacketProblem(packet, method, AUTH_RC.continueAuthentication);
  if (problem !== undefined || next === undefined) {
    violation(ctx, connection, RC.protocolError, problem ?? 'AUTH out of turn');
    return;
  }
  exchange.next = undefined;
  void settle(ctx, connection, method, next(packet.properties?.authenticationData));
}

async function settle(ctx: InstanceContext, connection: ClientConnection, method: string, pending: Promise<ChainDecision>): Promise<void> {
  let decision: ChainDecision | undefined;
  try {
    decision = await pending;
  } catch (error) {
    ctx.logger.warn({ err: error, clientId: connection.clientId }, 're-authentication failed');
  }
  // The connection may have closed, or been taken over, while the chain ran.
  const exchange = connection.authExchange;
  if (!connection.isConnected || exchange.phase !== 'reauthenticating') return;
  if (decision?.kind === 'continue') {
    exchange.next = decision.next;
    sendAuth(connection, AUTH_RC.continueAuthentication, method, decision.authenticationData);
    return;
  }
  connection.authExchange = { phase: 'authenticated', method };
  if (decision === undefined) {
    closeConnection(ctx, connection, { reasonCode: RC.unspecifiedError, reasonString: 'authentication unavailable', publishWill: true });
    return;
  }
  if (decision.kind === 'deny') {
    // DISCONNECT has no "bad user name or password"; a failed re-authentication is 0x87.
    const reasonCode = decision.reason === 'server-unavailable' ? RC.unspecifiedError : RC.notAuthorized;
    closeConnection(ctx, connection, { reasonCode, reasonString: decision.message, publishWill: true });
    return;
  }
  connection.superuser = decision.superuser;
  connection.allowedBy = allowedBy(decision);
  // Issue 13: the new decision's superuser flag and acl apply from the next check.
  attachAuthorization(ctx, connection, decision);
  sendAuth(connection, AUTH_RC.success, method, decision.authenticationData);
}
