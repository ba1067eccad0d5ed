import type { WillIntent } from './client-connection';
import type { RestoredInstance, RestoredSession } from './durability';
import type { InstanceContext } from './instance-context';
import { restoreSession } from './session-lifecycle';
import type { Subscription } from './session-store';
import { parseFilter } from './topic-validation';

function restoreOne(ctx: InstanceContext, restored: RestoredSession, now: number): void {
  const session = ctx.sessions.create(restored.clientId);
  session.expirySeconds = restored.expirySeconds;
  session.lastClient = restored.lastClient;
  for (const stored of restored.subscriptions) {
    const parsed = parseFilter(stored.key, ctx.limits);
    if (parsed === undefined) continue;
    const subscription: Subscription = { session, filter: parsed.filter, shareGroup: parsed.shareGroup, ...stored };
    session.setSubscription(stored.key, subscription);
    ctx.subscriptions.add(subscription);
  }
  for (const packetId of restored.awaitingRelease) session.awaitRelease(packetId);
  for (const { delivery, packetId, phase } of restored.inflight) session.setInflight(packetId, { delivery, phase });
  for (const delivery of restored.queue) session.writableQueue().push(delivery);
  const will: WillIntent | undefined = restored.will === undefined ? undefined : { ...restored.will };
  restoreSession(ctx, session, restored.disconnectedAt, will, now);
}

/**
 * Issue 14: what the durable store kept of an instance, back in the engine before it accepts
 * a CONNECT: retained messages, then every persistent session offline with its subscriptions,
 * unacknowledged deliveries (resent with their packet ids on reconnect), queue, inbound QoS 2
 * state, will and expiry.
 */
export function restoreInstance(ctx: InstanceContext, state: RestoredInstance, now = Date.now()): void {
  for (const message of state.retained) ctx.retained.apply(message);
  for (const session of state.sessions) restoreOne(ctx, session, now);
}
