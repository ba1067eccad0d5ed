import { willMessage, type ClientConnection, type WillIntent } from './client-connection';
import type { InstanceContext } from './instance-context';
import { publishMessage } from './router';
import type { Session } from './session-store';
import { touchSession } from './durable-writes';

/** Longest delay Node's setTimeout accepts; longer expiries re-arm. */
const MAX_TIMER_MS = 2_147_483_647;

/** A will goes out only if its client may still publish it (issue 13: checked at CONNECT and when sent). */
function publishWill(ctx: InstanceContext, will: WillIntent): void {
  const allowed = will.authorized === undefined ? true : will.authorized();
  // A backend authorizer's answer: the will goes out when it comes (its client is gone already).
  if (allowed instanceof Promise) void allowed.then((yes) => sendWillIf(ctx, will, yes));
  else sendWillIf(ctx, will, allowed);
}

function sendWillIf(ctx: InstanceContext, will: WillIntent, allowed: boolean): void {
  if (!allowed) {
    ctx.logger.debug({ topic: will.message.topic }, 'will no longer authorized, not published');
    return;
  }
  publishMessage(ctx, willMessage(will));
}

function publishDelayedWill(ctx: InstanceContext, session: Session): void {
  const will = session.delayedWill;
  if (will === undefined) return;
  clearTimeout(will.timer);
  session.delayedWill = undefined;
  publishWill(ctx, will.will);
}

/** Ends a session: its subscriptions leave the topic tree, queued messages are dropped, a pending will goes out [MQTT-3.1.3-9]. */
export function endSession(ctx: InstanceContext, session: Session): void {
  clearTimeout(session.expiryTimer);
  session.expiryTimer = undefined;
  for (const subscription of session.subscriptions.values()) ctx.subscriptions.remove(subscription);
  session.clearState();
  ctx.sessions.delete(session);
  ctx.durability?.ended(session);
  publishDelayedWill(ctx, session);
}

/** Cancels the delayed will when a connection resumes the session [MQTT-3.1.3-9]. */
export function cancelDelayedWill(session: Session): void {
  if (session.delayedWill === undefined) return;
  clearTimeout(session.delayedWill.timer);
  session.delayedWill = undefined;
}

function armExpiry(ctx: InstanceContext, session: Session, deadline: number): void {
  const delay = Math.min(MAX_TIMER_MS, Math.max(0, deadline - Date.now()));
  session.expiryTimer = setTimeout(onExpiryTimer, delay, ctx, session, deadline);
  session.expiryTimer.unref();
}

function onExpiryTimer(ctx: InstanceContext, session: Session, deadline: number): void {
  session.expiryTimer = undefined;
  if (session.connection !== undefined) return;
  if (Date.now() < deadline) armExpiry(ctx, session, deadline);
  else endSession(ctx, session);
}

/**
 * A connection let go of its session. With expiry 0 the session ends now; otherwise it waits
 * `expirySeconds` for the client to come back. The will goes out now, after its delay, or when
 * the session ends, whichever is first [MQTT-3.1.2-8], [MQTT-3.1.3-9].
 */
export function detachSession(ctx: InstanceContext, connection: ClientConnection, will: WillIntent | undefined): void {
  const session = connection.session;
  if (session === undefined || session.connection !== connection) {
    if (will !== undefined) publishWill(ctx, will);
    return;
  }
  session.connection = undefined;
  session.disconnectedAt = Date.now();
  if (session.expirySeconds === 0) {
    endSession(ctx, session);
    if (will !== undefined) publishWill(ctx, will);
    return;
  }
  if (will !== undefined) {
    if (will.delaySeconds === 0) {
      publishWill(ctx, will);
    } else {
      const timer = setTimeout(publishDelayedWill, Math.min(MAX_TIMER_MS, will.delaySeconds * 1000), ctx, session);
      timer.unref();
      session.delayedWill = { will, timer };
    }
  }
  armExpiry(ctx, session, Date.now() + session.expirySeconds * 1000);
  void touchSession(ctx, session);
}

/**
 * Issue 14: a session the durable store kept, rebuilt offline as after a network loss: its
 * will after what is left of its delay, its expiry counted from its disconnect (or from now,
 * when it was online as the node stopped). One already expired ends at once (its will goes out).
 */
export function restoreSession(ctx: InstanceContext, session: Session, disconnectedAt: number | undefined, will: WillIntent | undefined, now = Date.now()): void {
  const since = disconnectedAt ?? now;
  session.disconnectedAt = since;
  const deadline = since + session.expirySeconds * 1000;
  if (deadline <= now) {
    endSession(ctx, session);
    if (will !== undefined) publishWill(ctx, will);
    return;
  }
  if (will !== undefined) {
    const left = Math.max(0, since + will.delaySeconds * 1000 - now);
    const timer = setTimeout(publishDelayedWill, Math.min(MAX_TIMER_MS, left), ctx, session);
    timer.unref();
    session.delayedWill = { will, timer };
  }
  armExpiry(ctx, session, deadline);
}

/** Stops every timer of every session without publishing wills (instance shutdown). */
export function stopSessionTimers(ctx: InstanceContext): void {
  for (const session of ctx.sessions.values()) {
    clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    if (session.delayedWill !== undefined) clearTimeout(session.delayedWill.timer);
    session.delayedWill = undefined;
  }
}
