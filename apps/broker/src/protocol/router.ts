import { mayReceive } from './authorization';
import type { InstanceContext } from './instance-context';
import { deliver } from './outbound';
import { withEncodingCache } from './publish-encoder';
import type { Message } from './message';
import type { Session, Subscription } from './session-store';
import type { SharedGroup } from './topic-tree';

function pickMember(ctx: InstanceContext, group: SharedGroup, message: Message): Subscription | undefined {
  const { members } = group;
  if (members.length === 0) return undefined;
  // Round-robin, preferring members whose client is online and may receive the message (issue 13).
  for (let tries = 0; tries < members.length; tries++) {
    const member = members[group.next++ % members.length];
    const connection = member.session.connection;
    if (connection?.state === 'connected' && mayReceive(ctx, connection, message.topic, message.qos < member.qos ? message.qos : member.qos)) return member;
  }
  return members[group.next++ % members.length];
}

/** The topic's levels; the last topic's are kept, so messages in a row on one topic split it once. */
function levelsOf(ctx: InstanceContext, topic: string): readonly string[] {
  if (topic !== ctx.routedTopic) {
    ctx.routedTopic = topic;
    ctx.routedLevels = topic.split('/');
  }
  return ctx.routedLevels;
}

/**
 * Routes a message to every matching subscription: the topic is matched once; a client with
 * several matching subscriptions gets one copy at the highest granted QoS carrying all their
 * subscription identifiers [MQTT-3.3.4-2], [MQTT-3.3.4-3]. Each shared group delivers to one
 * member. Returns how many sessions it was handed to.
 *
 * Sessions carry per-pass scratch fields (matchEpoch …) so merging needs no map; delivery
 * never re-enters routing synchronously.
 */
export function route(ctx: InstanceContext, message: Message, now = Date.now()): number {
  const matched: Subscription[] = [];
  const groups: SharedGroup[] = [];
  ctx.subscriptions.match(levelsOf(ctx, message.topic), matched, groups);
  if (matched.length === 0 && groups.length === 0) return 0;

  const epoch = ++ctx.routingEpoch;
  const sessions: Session[] = [];
  for (const subscription of matched) {
    // [MQTT-3.8.3-3] no local: not sent back to the publishing client.
    if (subscription.noLocal && subscription.session.clientId === message.publisherId) continue;
    const session = subscription.session;
    if (session.matchEpoch !== epoch) {
      session.matchEpoch = epoch;
      session.matchQos = subscription.qos;
      session.matchRetainAsPublished = subscription.retainAsPublished;
      session.matchSubscriptionIds = subscription.subscriptionId === undefined ? undefined : [subscription.subscriptionId];
      sessions.push(session);
    } else {
      if (subscription.qos > session.matchQos) session.matchQos = subscription.qos;
      if (subscription.retainAsPublished) session.matchRetainAsPublished = true;
      if (subscription.subscriptionId !== undefined) (session.matchSubscriptionIds ??= []).push(subscription.subscriptionId);
    }
  }
  const recipients = sessions.length + groups.length;
  // One recipient: nothing to share an encoding with (no cache array, no closure per message).
  if (recipients === 1) deliverAll(ctx, message, sessions, groups, now);
  else withEncodingCache(message, () => deliverAll(ctx, message, sessions, groups, now));
  return recipients;
}

/** Hands the message to each matched session and one member of each shared group. */
function deliverAll(ctx: InstanceContext, message: Message, sessions: readonly Session[], groups: readonly SharedGroup[], now: number): void {
  for (const session of sessions) {
    deliver(ctx, session, {
      message,
      qos: message.qos < session.matchQos ? message.qos : session.matchQos,
      // [MQTT-3.3.1-9] retain is cleared on normal delivery unless retain-as-published [MQTT-3.3.1-13].
      retain: message.retain && session.matchRetainAsPublished,
      subscriptionIds: session.matchSubscriptionIds,
    }, now);
  }
  for (const group of groups) {
    const member = pickMember(ctx, group, message);
    if (member === undefined) continue;
    deliver(ctx, member.session, {
      message,
      qos: message.qos < member.qos ? message.qos : member.qos,
      retain: message.retain && member.retainAsPublished,
      subscriptionIds: member.subscriptionId === undefined ? undefined : [member.subscriptionId],
    }, now);
  }
}

/**
 * Publishes a message into the instance: the retained store first, then subscribers. A retained
 * message the instance's retained quota has no room for is refused whole (neither stored nor
 * routed, counted as `retained-quota`): undefined.
 */
export function publishMessage(ctx: InstanceContext, message: Message, now = Date.now()): number | undefined {
  if (message.retain) {
    const { maxRetainedMessages, maxRetainedBytes } = ctx.limits;
    const admitted = (): boolean => ctx.retained.admits(message, maxRetainedMessages, maxRetainedBytes);
    if (!admitted() && !(ctx.retained.forgetExpired(now) && admitted())) {
      ctx.refusals.count('retained-quota', 1, message.publisherId, message.topic);
      ctx.logger.debug({ topic: message.topic, publisherId: message.publisherId }, 'retained quota exceeded, message refused');
      return undefined;
    }
    ctx.retained.apply(message);
    // Issue 14: the retained store is durable; the publisher's acknowledgement waits for it.
    const write = ctx.durability?.retained(message);
    if (write !== undefined) {
      if (ctx.writes !== undefined) ctx.writes.push(write);
      else write.catch((error: unknown) => ctx.logger.error({ err: error }, 'durable store: storing a retained message failed'));
    }
  }
  return route(ctx, message, now);
}
