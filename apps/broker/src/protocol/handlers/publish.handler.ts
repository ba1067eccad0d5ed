import type { IPublishPacket } from 'mqtt-packet';
import type { AuthorizationVerdict } from '@mqc/auth';
import { authorize, failedCheck } from '../authorization';
import type { ClientConnection } from '../client-connection';
import { closeConnection, continueAfterCheck, violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { ownedBytes, type Message, type PublishProperties } from '../message';
import { RC } from '../reason-codes';
import { publishMessage } from '../router';
import { isValidTopicName } from '../topic-validation';
import { pubackPacket, pubrecPacket } from './ack-packets';
import { acknowledgeAfter, isDurable, touchSession } from '../durable-writes';

/** The properties forwarded to subscribers: all but the topic alias [MQTT-3.3.2-?]; correlation data in bytes of its own. */
function forwardable(properties: PublishProperties | undefined): PublishProperties | undefined {
  if (properties === undefined) return undefined;
  const { topicAlias: _alias, ...rest } = properties;
  if (rest.correlationData !== undefined) rest.correlationData = ownedBytes(rest.correlationData);
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** Resolves the 5.0 topic alias (client → server); undefined after a violation closed the connection. */
function resolveTopic(ctx: InstanceContext, connection: ClientConnection, packet: IPublishPacket): string | undefined {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) {
    if (packet.topic.length === 0) {
      violation(ctx, connection, RC.protocolError, 'empty topic without topic alias');
      return undefined;
    }
    return packet.topic;
  }
  // [MQTT-3.3.2-9] [MQTT-3.3.2-10] 0 and values above our topic alias maximum are invalid.
  if (alias === 0 || alias > connection.topicAliasMaximum) {
    violation(ctx, connection, RC.topicAliasInvalid, 'topic alias out of range');
    return undefined;
  }
  if (packet.topic.length === 0) {
    const topic = connection.topicAliases?.get(alias);
    if (topic === undefined) violation(ctx, connection, RC.protocolError, 'unknown topic alias');
    return topic;
  }
  (connection.topicAliases ??= new Map()).set(alias, packet.topic);
  return packet.topic;
}

/**
 * A PUBLISH the authorization chain denied (issue 13): with denyAction disconnect the client is
 * disconnected (5.0 DISCONNECT 0x87); otherwise 5.0 QoS 1/2 get PUBACK/PUBREC 0x87 (which ends
 * the exchange), 3.1.1 QoS 1/2 are acknowledged and dropped [MQTT-3.3.5-2], QoS 0 is dropped.
 */
function refusePublish(ctx: InstanceContext, connection: ClientConnection, packet: IPublishPacket, topic: string, reason: string): void {
  ctx.logger.debug({ clientId: connection.clientId, topic, reason }, 'PUBLISH not authorized');
  if (ctx.authorization.denyAction === 'disconnect') {
    closeConnection(ctx, connection, { reasonCode: RC.notAuthorized, reasonString: 'not authorized', publishWill: true });
    return;
  }
  const packetId = packet.messageId ?? 0;
  if (packet.qos === 0) return;
  if (connection.protocolVersion === 5) {
    connection.send({ cmd: packet.qos === 1 ? 'puback' : 'pubrec', messageId: packetId, reasonCode: RC.notAuthorized });
  } else if (packet.qos === 1) {
    connection.write(pubackPacket(packetId));
  } else {
    const session = connection.session;
    session?.awaitRelease(packetId);
    const stored = session !== undefined && isDurable(ctx, session) ? [touchSession(ctx, session)] : [];
    acknowledgeAfter(ctx, connection, stored, () => connection.write(pubrecPacket(packetId)), () => undefined);
  }
}

export function handlePublish(ctx: InstanceContext, connection: ClientConnection, packet: IPublishPacket): void {
  const session = connection.session;
  if (session === undefined) return;
  ctx.activity.received++;
  const now = Date.now();
  if (!ctx.rate.tryTake(now)) {
    ctx.refusals.count('rate-limit', 1, connection.clientId, packet.topic || undefined);
    violation(ctx, connection, RC.messageRateTooHigh, 'message rate too high');
    return;
  }
  const v5 = connection.protocolVersion === 5;
  const topic = v5 ? resolveTopic(ctx, connection, packet) : packet.topic;
  if (topic === undefined) return;
  // [MQTT-3.3.2-2] no wildcards in a topic name; the instance's topic length and depth limits.
  if (!isValidTopicName(topic, ctx.limits)) {
    violation(ctx, connection, RC.topicNameInvalid, 'invalid topic name');
    return;
  }
  const { qos } = packet;
  const packetId = packet.messageId ?? 0;
  // [MQTT-2.2.1-3] QoS 1 and 2 carry a non-zero packet identifier.
  if (qos > 0 && packetId === 0) {
    violation(ctx, connection, RC.protocolError, 'packet identifier 0');
    return;
  }
  if (qos === 2) {
    // [MQTT-4.3.3-9] a re-sent PUBLISH whose PUBREL is pending is acknowledged, not routed again.
    if (session.awaitingRelease.has(packetId)) {
      acknowledgeAfter(ctx, connection, [], () => connection.write(pubrecPacket(packetId)), () => undefined);
      return;
    }
    // [MQTT-3.3.4-9] more unreleased QoS 2 messages than our receive maximum.
    if (v5 && session.awaitingRelease.size >= ctx.limits.receiveMaximum) {
      violation(ctx, connection, RC.receiveMaximumExceeded, 'receive maximum exceeded');
      return;
    }
  }
  const properties = v5 ? forwardable(packet.properties) : undefined;
  if (properties?.subscriptionIdentifier !== undefined) {
    // [MQTT-3.3.4-6] a client must not send subscription identifiers.
    violation(ctx, connection, RC.protocolError, 'subscription identifier in PUBLISH');
    return;
  }
  const verdict = authorize(ctx, connection, { action: 'publish', topic, qos, retain: packet.retain });
  if (verdict instanceof Promise) {
    // A backend authorizer is asked: this client's later packets wait, so its messages keep their order.
    continueAfterCheck(ctx, connection, verdict, failedCheck, (answer) => publishAuthorized(ctx, connection, packet, topic, properties, answer, Date.now()));
    return;
  }
  publishAuthorized(ctx, connection, packet, topic, properties, verdict, now);
}

/** The rest of a PUBLISH once its verdict is known: refused, or routed and acknowledged. */
function publishAuthorized(
  ctx: InstanceContext,
  connection: ClientConnection,
  packet: IPublishPacket,
  topic: string,
  properties: PublishProperties | undefined,
  verdict: AuthorizationVerdict,
  now: number,
): void {
  if (verdict.decision !== 'allow') {
    refusePublish(ctx, connection, packet, topic, verdict.reason);
    return;
  }
  const session = connection.session;
  if (session === undefined) return;
  const v5 = connection.protocolVersion === 5;
  const { qos } = packet;
  const packetId = packet.messageId ?? 0;
  const expiry = properties?.messageExpiryInterval;
  const message: Message = {
    topic,
    // A QoS 0 message not retained is only kept if a queue takes it: it borrows the read chunk's bytes until then (outbound.ts enqueue).
    payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : qos === 0 && !packet.retain ? packet.payload : ownedBytes(packet.payload),
    qos,
    retain: packet.retain,
    properties,
    expiresAt: expiry === undefined ? undefined : now + expiry * 1000,
    publisherId: connection.clientId,
  };
  // Issue 14: the store writes this message needs (persistent subscribers, retained) are collected while it is routed.
  const writes: Promise<void>[] = [];
  ctx.writes = qos > 0 ? writes : undefined;
  let refused: boolean;
  try {
    refused = publishMessage(ctx, message, now) === undefined;
  } finally {
    ctx.writes = undefined;
  }
  if (refused && v5 && qos > 0) {
    // Over the retained quota: 5.0 PUBACK/PUBREC 0x97 quota exceeded ends the exchange (section 4.3.3);
    // 3.1.1 has no refusal code, so the message is acknowledged and dropped, as [MQTT-3.3.5-2] allows.
    acknowledgeAfter(ctx, connection, [], () => connection.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId, reasonCode: RC.quotaExceeded }), () => undefined);
    return;
  }
  if (qos === 0) return;
  if (qos === 2) {
    session.awaitRelease(packetId);
    // Exactly once across a restart: the packet id awaiting its PUBREL is stored before PUBREC.
    if (isDurable(ctx, session)) writes.push(touchSession(ctx, session));
  }
  const ack = qos === 1 ? pubackPacket(packetId) : pubrecPacket(packetId);
  acknowledgeAfter(ctx, connection, writes, () => connection.write(ack), () => refuseUnstored(ctx, connection, session, qos, packetId));
  // Issue 14: more waits for the store than it lets queue up: this publisher is not read until it drained.
  const congestion = writes.length > 0 ? ctx.durability?.congestion() : undefined;
  if (congestion !== undefined && !connection.awaitingCheck) continueAfterCheck(ctx, connection, congestion, () => undefined, () => undefined);
}

/** The store did not take the message: 5.0 PUBACK/PUBREC 0x80 (the exchange ends); 3.1.1 has no code, so the connection closes and the client sends it again. */
function refuseUnstored(ctx: InstanceContext, connection: ClientConnection, session: NonNullable<ClientConnection['session']>, qos: 1 | 2, packetId: number): void {
  if (qos === 2) session.released(packetId);
  if (connection.protocolVersion === 5) connection.send({ cmd: qos === 1 ? 'puback' : 'pubrec', messageId: packetId, reasonCode: RC.unspecifiedError });
  else closeConnection(ctx, connection, { publishWill: true });
}
