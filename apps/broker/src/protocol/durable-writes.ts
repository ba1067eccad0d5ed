import type { ClientConnection } from './client-connection';
import type { InstanceContext } from './instance-context';
import type { Delivery } from './message';
import type { Session } from './session-store';

/** Whether a session's state is kept in the durable store: a persistent session (expiry > 0). */
export function isDurable(ctx: InstanceContext, session: Session): boolean {
  return ctx.durability !== undefined && session.expirySeconds > 0;
}

function logFailure(ctx: InstanceContext, what: string): (error: unknown) => void {
  return (error) => ctx.logger.error({ err: error }, `durable store: ${what} failed`);
}

/** A write the current PUBLISH's acknowledgement waits for; outside a PUBLISH (wills, retained on subscribe) it only logs a failure. */
function awaited(ctx: InstanceContext, write: Promise<void>, what: string): void {
  if (ctx.writes !== undefined) ctx.writes.push(write);
  else write.catch(logFailure(ctx, what));
}

/** A QoS 1/2 delivery handed to a persistent session is appended to its stored queue. */
export function persistDelivery(ctx: InstanceContext, session: Session, delivery: Delivery): void {
  if (delivery.qos === 0 || !isDurable(ctx, session)) return;
  awaited(ctx, ctx.durability!.stored(session, delivery), 'storing a queued message');
}

/** A delivery left its session (acknowledged, dropped, expired, refused): its stored record goes. */
export function settleDelivery(ctx: InstanceContext, session: Session, delivery: Delivery | undefined): void {
  if (delivery?.stored !== undefined) ctx.durability?.settled(session, delivery);
}

/** The session record changed; the returned promise resolves once it is written (at once for sessions not stored). */
export function touchSession(ctx: InstanceContext, session: Session, lazily = false): Promise<void> {
  // The store logs a failed write (once per write, not per caller).
  return ctx.durability === undefined ? Promise.resolve() : ctx.durability.touched(session, lazily);
}

/**
 * Sends an acknowledgement to the publisher once `writes` are stored, after every earlier
 * acknowledgement of the connection that waits too (so they keep their order). Without writes
 * and nothing waiting, it is sent at once: QoS 0 and clean sessions never wait. When a write
 * fails the message is not acknowledged: `refuse` (5.0: a reason code; 3.1.1: close, so the
 * client sends it again).
 */
export function acknowledgeAfter(ctx: InstanceContext, connection: ClientConnection, writes: readonly Promise<void>[], ack: () => void, refuse: () => void): void {
  if (writes.length === 0 && connection.ackTail === undefined) {
    ack();
    return;
  }
  const previous = connection.ackTail;
  const stored = previous === undefined && writes.length === 1 ? writes[0] : Promise.all(previous === undefined ? writes : [previous, ...writes]);
  const tail: Promise<void> = (stored as Promise<unknown>).then(
    () => {
      if (connection.isOpen) ack();
    },
    (error: unknown) => {
      logFailure(ctx, 'storing a published message')(error);
      if (connection.isOpen) refuse();
    },
  );
  connection.ackTail = tail;
  void tail.then(() => {
    if (connection.ackTail === tail) connection.ackTail = undefined;
  });
}
