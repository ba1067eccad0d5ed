import type { ConnectStep } from './connect-attempt';
import { closeConnection } from '../connection-lifecycle';
import { RC } from '../reason-codes';
import { cancelDelayedWill, endSession } from '../session-lifecycle';

/**
 * [MQTT-3.1.4-3] a client id already connected: the existing connection is closed (5.0 with
 * DISCONNECT 0x8E). It did not send DISCONNECT, so its will follows the usual rules: published
 * unless it has a will delay and this connection resumes the session [MQTT-3.1.3-9].
 */
export const takeOverExistingClient: ConnectStep = (ctx, connection, attempt) => {
  const existing = ctx.clients.get(attempt.clientId);
  if (existing !== undefined && existing !== connection) {
    closeConnection(ctx, existing, { reasonCode: RC.sessionTakenOver, reasonString: 'session taken over', publishWill: true });
  }
  return undefined;
};

/** Clean start discards any existing session [MQTT-3.1.2-4]; otherwise it is resumed [MQTT-3.1.2-5]. */
export const openSession: ConnectStep = (ctx, connection, attempt) => {
  const existing = ctx.sessions.get(attempt.clientId);
  let session = existing;
  if (existing === undefined || attempt.clean) {
    if (existing !== undefined) endSession(ctx, existing);
    session = ctx.sessions.create(attempt.clientId);
  } else {
    clearTimeout(existing.expiryTimer);
    existing.expiryTimer = undefined;
    cancelDelayedWill(existing);
    existing.disconnectedAt = undefined;
    attempt.sessionPresent = true;
  }
  if (session === undefined) return undefined;
  session.expirySeconds = attempt.sessionExpirySeconds;
  connection.session = session;
  return undefined;
};
