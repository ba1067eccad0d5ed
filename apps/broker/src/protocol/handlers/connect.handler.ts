import type { IConnectPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { closeConnection } from '../connection-lifecycle';
import { createAttempt, type ConnectAttempt, type Refusal } from '../connect/connect-attempt';
import { CONNECT_PIPELINE } from '../connect/connect-pipeline';
import { dispatch } from '../dispatcher';
import type { InstanceContext } from '../instance-context';

/**
 * Issue 15: the refusal in the instance's event log, with the reason a 5.0 client reads in its
 * CONNACK (a 3.1.1 client only gets a return code), the code sent, and the deciding authenticator.
 */
function logRefusal(ctx: InstanceContext, connection: ClientConnection, attempt: ConnectAttempt, refusal: Refusal): void {
  const connack = refusal.kind === 'connack';
  ctx.activity.record({
    type: connack && refusal.throttled ? 'client.throttled' : 'client.connect-refused',
    at: Date.now(),
    clientId: attempt.clientId,
    username: attempt.packet.username,
    source: connection.info.remoteAddress,
    reason: refusal.reason,
    protocolVersion: attempt.protocolVersion,
    transport: connection.info.transport,
    connackCode: connack ? (attempt.protocolVersion === 5 ? refusal.reasonCode : refusal.returnCode) : null,
    authenticatorId: (connack ? refusal.authenticatorId : undefined) ?? null,
  });
}

function sendRefusal(ctx: InstanceContext, connection: ClientConnection, refusal: Refusal): void {
  ctx.logger.debug({ clientId: connection.clientId, reason: refusal.reason }, 'CONNECT refused');
  if (refusal.kind === 'connack') {
    // [MQTT-3.2.2-4] [MQTT-3.2.2-6] a refusal has session present 0 and closes the connection.
    if (connection.protocolVersion === 5) {
      const properties = connection.requestProblemInformation ? { reasonString: refusal.reason } : undefined;
      connection.send({ cmd: 'connack', sessionPresent: false, reasonCode: refusal.reasonCode, properties });
    } else {
      connection.send({ cmd: 'connack', sessionPresent: false, returnCode: refusal.returnCode });
    }
  }
  closeConnection(ctx, connection, { publishWill: false });
}

/**
 * Runs the CONNECT pipeline. Packets arriving meanwhile wait in `pending` and the stream is
 * paused; after every await the connection may have gone, so each step is followed by a check.
 */
export async function handleConnect(ctx: InstanceContext, connection: ClientConnection, packet: IConnectPacket): Promise<void> {
  clearTimeout(connection.connectTimer);
  connection.connectTimer = undefined;
  connection.state = 'authenticating';
  connection.protocolVersion = packet.protocolVersion ?? 4;
  connection.requestProblemInformation = packet.properties?.requestProblemInformation !== false;
  connection.stream.pause();
  const attempt = createAttempt(packet);
  for (const step of CONNECT_PIPELINE) {
    const result = step(ctx, connection, attempt);
    const refusal = result instanceof Promise ? await result : result;
    if (!connection.isOpen) return;
    if (refusal !== undefined) {
      logRefusal(ctx, connection, attempt, refusal);
      sendRefusal(ctx, connection, refusal);
      return;
    }
  }
  connection.stream.resume();
  const pending = connection.takePending();
  for (const next of pending) {
    if (!connection.isConnected) return;
    dispatch(ctx, connection, next);
  }
}
