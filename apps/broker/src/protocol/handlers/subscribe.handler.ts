import type { ISubscribePacket, QoS } from 'mqtt-packet';
import type { AuthorizationVerdict } from '@mqc/auth';
import { authorize, failedCheck } from '../authorization';
import type { ClientConnection } from '../client-connection';
import { closeConnection, continueAfterCheck, violation } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { deliver } from '../outbound';
import { touchSession } from '../durable-writes';
import { RC, SUBACK_FAILURE_311 } from '../reason-codes';
import type { Session, Subscription } from '../session-store';
import { parseFilter } from '../topic-validation';

function minQos(a: QoS, b: QoS): QoS {
  return a < b ? a : b;
}

/** Sends the retained messages matching a new subscription, retain flag set [MQTT-3.3.1-8]. */
function sendRetained(ctx: InstanceContext, session: Session, subscription: Subscription, now: number): void {
  const subscriptionIds = subscription.subscriptionId === undefined ? undefined : [subscription.subscriptionId];
  for (const message of ctx.retained.match(subscription.filter, now)) {
    deliver(ctx, session, { message, qos: minQos(message.qos, subscription.qos), retain: true, subscriptionIds }, now);
  }
}

/** A new filter fits the client's and the instance's subscription quotas; replacing one always does. */
function roomForSubscription(ctx: InstanceContext, session: Session): boolean {
  const { maxSubscriptionsPerClient, maxSubscriptionsPerInstance } = ctx.limits;
  return session.subscriptions.size < maxSubscriptionsPerClient && ctx.subscriptions.size < maxSubscriptionsPerInstance;
}

export function handleSubscribe(ctx: InstanceContext, connection: ClientConnection, packet: ISubscribePacket): void {
  const session = connection.session;
  if (session === undefined) return;
  const v5 = connection.protocolVersion === 5;
  const packetId = packet.messageId ?? 0;
  // [MQTT-2.2.1-3] non-zero packet id; [MQTT-3.8.3-3] at least one subscription.
  if (packetId === 0 || packet.subscriptions.length === 0) {
    violation(ctx, connection, RC.protocolError, 'SUBSCRIBE without packet id or subscriptions');
    return;
  }
  const subscriptionId = v5 ? packet.properties?.subscriptionIdentifier : undefined;
  if (subscriptionId === 0) {
    violation(ctx, connection, RC.protocolError, 'subscription identifier 0');
    return;
  }

  // Every filter is read and checked first: a violation closes before anything is subscribed.
  const parsedFilters: (ReturnType<typeof parseFilter> | undefined)[] = [];
  const verdicts: (AuthorizationVerdict | Promise<AuthorizationVerdict> | undefined)[] = [];
  let asks = false;
  for (const request of packet.subscriptions) {
    const parsed = parseFilter(request.topic, ctx.limits);
    parsedFilters.push(parsed);
    if (parsed === undefined) {
      verdicts.push(undefined);
      continue;
    }
    // [MQTT-3.8.3-4] no local on a shared subscription is a protocol error.
    if (parsed.shareGroup !== undefined && v5 && request.nl === true) {
      violation(ctx, connection, RC.protocolError, 'no local on a shared subscription');
      return;
    }
    // Issue 13: the filter as sent ($share/{group}/ stripped by the chain).
    const verdict = authorize(ctx, connection, { action: 'subscribe', topic: request.topic, qos: request.qos, retain: false });
    if (verdict instanceof Promise) asks = true;
    verdicts.push(verdict);
  }
  if (!asks) {
    subscribeAuthorized(ctx, connection, session, packet, parsedFilters, verdicts as (AuthorizationVerdict | undefined)[]);
    return;
  }
  // A backend authorizer is asked: SUBACK after every decision, the client's later packets held meanwhile.
  continueAfterCheck(
    ctx,
    connection,
    Promise.all(verdicts),
    // A failed check denies every filter of the packet (fail closed).
    (error) => verdicts.map((v) => (v === undefined ? undefined : failedCheck(error))),
    (known) => subscribeAuthorized(ctx, connection, session, packet, parsedFilters, known),
  );
}

/** The rest of a SUBSCRIBE once every filter's verdict is known: subscriptions made, SUBACK, retained messages. */
function subscribeAuthorized(
  ctx: InstanceContext,
  connection: ClientConnection,
  session: Session,
  packet: ISubscribePacket,
  parsedFilters: readonly (ReturnType<typeof parseFilter> | undefined)[],
  verdicts: readonly (AuthorizationVerdict | undefined)[],
): void {
  const v5 = connection.protocolVersion === 5;
  const packetId = packet.messageId ?? 0;
  const subscriptionId = v5 ? packet.properties?.subscriptionIdentifier : undefined;
  const granted: number[] = [];
  const withRetained: Subscription[] = [];
  for (const [index, request] of packet.subscriptions.entries()) {
    const parsed = parsedFilters[index];
    const verdict = verdicts[index];
    if (parsed === undefined || verdict === undefined) {
      granted.push(v5 ? RC.topicFilterInvalid : SUBACK_FAILURE_311);
      continue;
    }
    if (verdict.decision !== 'allow') {
      ctx.logger.debug({ clientId: connection.clientId, filter: request.topic, reason: verdict.reason }, 'SUBSCRIBE not authorized');
      if (ctx.authorization.denyAction === 'disconnect') {
        closeConnection(ctx, connection, { reasonCode: RC.notAuthorized, reasonString: 'not authorized', publishWill: true });
        return;
      }
      granted.push(v5 ? RC.notAuthorized : SUBACK_FAILURE_311);
      continue;
    }
    const existing = session.subscriptions.get(request.topic);
    if (existing === undefined && !roomForSubscription(ctx, session)) {
      ctx.refusals.count('subscription-quota');
      granted.push(v5 ? RC.quotaExceeded : SUBACK_FAILURE_311);
      continue;
    }
    const subscription: Subscription = {
      session,
      key: request.topic,
      filter: parsed.filter,
      shareGroup: parsed.shareGroup,
      qos: request.qos,
      noLocal: v5 && request.nl === true,
      retainAsPublished: v5 && request.rap === true,
      retainHandling: v5 ? (request.rh ?? 0) : 0,
      subscriptionId,
    };
    // [MQTT-3.8.4-3] a subscription to the same filter replaces the existing one.
    if (existing !== undefined) ctx.subscriptions.remove(existing);
    session.setSubscription(request.topic, subscription);
    ctx.subscriptions.add(subscription);
    granted.push(request.qos);
    // Retain handling 0: always; 1: only for a new subscription; 2: never [MQTT-3.3.1-9..11].
    // Shared subscriptions get no retained messages (MQTT 5.0 section 4.8.2).
    const handling = subscription.retainHandling;
    if (parsed.shareGroup === undefined && (handling === 0 || (handling === 1 && existing === undefined))) withRetained.push(subscription);
  }
  if (session.expirySeconds > 0) void touchSession(ctx, session);
  // [MQTT-3.8.4-1] SUBACK with one code per requested filter, in order [MQTT-3.8.4-6].
  connection.send({ cmd: 'suback', messageId: packetId, granted });
  if (withRetained.length === 0) return;
  const now = Date.now();
  for (const subscription of withRetained) sendRetained(ctx, session, subscription, now);
}
