import type { IConnectPacket } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { closeConnection } from '../connection-lifecycle';
import { createAttempt, type Refusal } from '../connect/connect-attempt';
import { CONNECT_PIPELINE } from '../connect/connect-pipeline';
import { dispatch } from '../dispatcher';
import type { InstanceContext } from '../instance-context';

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
      sendRefusal(ctx, connection, refusal);
      return;
    }
  }
  connection.stream.resume();
  const pending = connection.pending.takeAll();
  for (const next of pending) {
    if (!connection.isConnected) return;
    dispatch(ctx, connection, next);
  }
}
