import { allowedBy } from '@mqc/auth';
import type { IConnackPacket } from 'mqtt-packet';
import { attachAuthorization, authorize } from '../authorization';
import { MAX_MQTT_PACKET_SIZE, type ClientConnection, type WillIntent } from '../client-connection';
import { closeConnection, startKeepAlive, watchParserIdle } from '../connection-lifecycle';
import { NO_AUTH_EXCHANGE } from '../enhanced-auth/auth-exchange';
import { DEFAULT_TOPIC_ALIAS_MAXIMUM, type InstanceContext } from '../instance-context';
import { drainQueue, resendInflight } from '../outbound';
import { OutboundTopicAliases } from '../outbound-topic-aliases';
import { RC } from '../reason-codes';
import type { Session } from '../session-store';
import { touchSession } from '../durable-writes';
import { ACCEPTED_CONNACK_311 } from './connack-bytes';
import type { ConnectAttempt, ConnectStep } from './connect-attempt';

const MAX_TIMER_MS = 2_147_483_647;

function connackProperties(ctx: InstanceContext, connection: ClientConnection, attempt: ConnectAttempt): IConnackPacket['properties'] {
  const { limits } = ctx;
  return {
    receiveMaximum: limits.receiveMaximum,
    maximumPacketSize: limits.maxPacketSize,
    topicAliasMaximum: connection.topicAliasMaximum,
    assignedClientIdentifier: attempt.clientIdAssigned ? attempt.clientId : undefined,
    // [MQTT-3.2.2-?] tell the client when its session expiry was capped.
    sessionExpiryInterval: attempt.sessionExpiryChanged ? attempt.sessionExpirySeconds : undefined,
    serverKeepAlive: attempt.serverKeepAlive,
    // MQTT 5.0 section 4.12: a successful enhanced authentication's CONNACK names the method and carries its last data.
    authenticationMethod: attempt.decision?.authenticationData !== undefined ? attempt.packet.properties?.authenticationMethod : undefined,
    authenticationData: attempt.decision?.authenticationData,
  };
}

/**
 * An `allow` with `expiresAt` ends the connection when the credential expires (JWT `exp`).
 * Like EMQX's `connection_expire` timeout, 5.0 clients get DISCONNECT 0x87 not authorized.
 */
function onAuthExpiry(ctx: InstanceContext, connection: ClientConnection, expiresAt: number): void {
  connection.authExpiryTimer = undefined;
  if (connection.state !== 'connected') return;
  const left = expiresAt - Date.now();
  if (left > 0) {
    connection.authExpiryTimer = setTimeout(onAuthExpiry, Math.min(left, MAX_TIMER_MS), ctx, connection, expiresAt);
    return;
  }
  closeConnection(ctx, connection, { reasonCode: RC.notAuthorized, reasonString: 'credential expired', publishWill: true });
}

/**
 * The client's will, checked now and again when it is sent. A will the client may not publish
 * is dropped, the CONNECT accepted (as EMQX does): the client learns nothing it could probe
 * with, and the will never goes out.
 */
function authorizedWill(ctx: InstanceContext, connection: ClientConnection, attempt: ConnectAttempt): WillIntent | undefined | Promise<WillIntent | undefined> {
  const will = attempt.will;
  if (will === undefined) return undefined;
  const { topic, qos, retain } = will.message;
  // A backend authorizer answers with a promise; one that fails denies.
  const authorized = (): boolean | Promise<boolean> => {
    const verdict = authorize(ctx, connection, { action: 'publish', topic, qos, retain });
    if (verdict instanceof Promise) {
      return verdict.then(
        (v) => v.decision === 'allow',
        () => false,
      );
    }
    return verdict.decision === 'allow';
  };
  const keep = (allowed: boolean): WillIntent | undefined => {
    if (allowed) return { ...will, authorized };
    ctx.logger.debug({ clientId: attempt.clientId, topic }, 'will not authorized, dropped');
    return undefined;
  };
  const now = authorized();
  return now instanceof Promise ? now.then(keep) : keep(now);
}

/** Applies what was negotiated, sends CONNACK 0, registers the client and resumes its session. */
export const acceptClient: ConnectStep = (ctx, connection, attempt) => {
  const { packet } = attempt;
  const session = connection.session;
  if (session === undefined || attempt.decision === undefined) return { kind: 'close', reason: 'no session' };
  connection.clientId = attempt.clientId;
  // The identity an authenticator established (SCRAM user, PSK identity) when CONNECT named none.
  connection.username = packet.username ?? attempt.decision.username;
  connection.superuser = attempt.decision.superuser;
  connection.allowedBy = allowedBy(attempt.decision);
  attachAuthorization(ctx, connection, attempt.decision);
  const will = authorizedWill(ctx, connection, attempt);
  // A backend authorizer is asked about the will: CONNACK after its answer, if the client is still there.
  if (will instanceof Promise) return will.then((checked) => (connection.isOpen ? completeAccept(ctx, connection, attempt, session, checked) : undefined));
  return completeAccept(ctx, connection, attempt, session, will);
};

/** The rest of the acceptance once the will is checked: negotiated values, CONNACK, the session resumed. */
function completeAccept(ctx: InstanceContext, connection: ClientConnection, attempt: ConnectAttempt, session: Session, will: WillIntent | undefined): undefined {
  const { packet } = attempt;
  connection.will = will;
  connection.keepAliveMs = attempt.keepAliveSeconds * 1000;
  connection.sendQuota = ctx.limits.maxInflight;
  if (attempt.protocolVersion === 5) {
    const properties = packet.properties ?? {};
    connection.sendQuota = Math.min(ctx.limits.maxInflight, properties.receiveMaximum ?? 65535);
    connection.maximumPacketSize = properties.maximumPacketSize ?? MAX_MQTT_PACKET_SIZE;
    connection.requestProblemInformation = properties.requestProblemInformation !== false;
    connection.topicAliasMaximum = ctx.limits.topicAliasMaximum ?? DEFAULT_TOPIC_ALIAS_MAXIMUM;
    // Server → client aliases, as many as the client allows up to the number we accept from it.
    const outboundMaximum = Math.min(properties.topicAliasMaximum ?? 0, connection.topicAliasMaximum);
    connection.outboundAliases = outboundMaximum > 0 ? new OutboundTopicAliases(outboundMaximum) : undefined;
    connection.connectSessionExpiry = properties.sessionExpiryInterval ?? 0;
    const method = properties.authenticationMethod;
    connection.authExchange = method === undefined ? NO_AUTH_EXCHANGE : { phase: 'authenticated', method };
    connection.send({ cmd: 'connack', sessionPresent: attempt.sessionPresent, reasonCode: RC.success, properties: connackProperties(ctx, connection, attempt) });
  } else {
    // [MQTT-3.2.2-1] [MQTT-3.2.2-2] session present reflects a resumed session.
    connection.write(attempt.sessionPresent ? ACCEPTED_CONNACK_311.sessionPresent : ACCEPTED_CONNACK_311.cleanSession);
  }
  connection.state = 'connected';
  ctx.clients.set(connection.clientId, connection);
  session.lastClient = {
    username: connection.username,
    peerHost: connection.info.remoteAddress,
    protocolVersion: attempt.protocolVersion,
    keepAliveSeconds: attempt.keepAliveSeconds,
    cleanStart: attempt.clean,
    connectedAt: Date.now(),
    authenticator: connection.allowedBy && { id: connection.allowedBy.authenticatorId, type: connection.allowedBy.authenticatorType },
  };
  session.disconnectedAt = undefined;
  ctx.activity.record({
    type: 'client.connected',
    at: Date.now(),
    clientId: connection.clientId,
    username: connection.username,
    source: connection.info.remoteAddress,
    protocolVersion: attempt.protocolVersion,
    transport: connection.info.transport,
    cleanStart: attempt.clean,
    sessionPresent: attempt.sessionPresent,
    keepAlive: attempt.keepAliveSeconds,
    authenticatorId: connection.allowedBy?.authenticatorId ?? null,
  });
  ctx.logger.debug({ clientId: connection.clientId, protocolVersion: attempt.protocolVersion, sessionPresent: attempt.sessionPresent }, 'client connected');
  session.connection = connection;
  // Issue 14: a persistent session's record (expiry, will, subscriptions) is stored.
  if (session.expirySeconds > 0) void touchSession(ctx, session);
  startKeepAlive(ctx, connection);
  watchParserIdle(connection);
  const expiresAt = attempt.decision?.expiresAt?.getTime();
  if (expiresAt !== undefined) onAuthExpiry(ctx, connection, expiresAt);
  resendInflight(connection, session);
  drainQueue(ctx, session);
  return undefined;
}
