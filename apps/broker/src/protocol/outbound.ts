import { receiveVerdict } from './authorization';
import type { InstanceContext } from './instance-context';
import { isExpired, messageBytes, ownPayload, type Delivery } from './message';
import { encodeDelivery } from './publish-encoder';
import type { InflightMessage, ReceiveCheck, Session } from './session-store';
import type { ClientConnection } from './client-connection';
import { persistDelivery, settleDelivery, touchSession } from './durable-writes';

/** Bytes waiting in a client's socket beyond which new messages queue in its session instead. */
export const SLOW_CLIENT_BACKLOG = 1024 * 1024;

function canWrite(connection: ClientConnection | undefined): connection is ClientConnection {
  return connection !== undefined && connection.state === 'connected' && connection.backlog <= SLOW_CLIENT_BACKLOG;
}

/**
 * Writes a delivery's PUBLISH, with a topic alias when the client accepts them. Returns false,
 * writing nothing, for a packet larger than the client's maximum packet size: it is discarded
 * as if it had been sent [MQTT-3.1.2-25] (and sets no alias).
 */
function writePublish(connection: ClientConnection, delivery: Delivery, packetId: number, now: number): boolean {
  const aliases = connection.outboundAliases;
  const topic = delivery.message.topic;
  const alias = aliases?.use(topic);
  const buffer = encodeDelivery(delivery, connection.protocolVersion, packetId, false, now, alias);
  if (buffer.length > connection.maximumPacketSize) return false;
  connection.write(buffer);
  connection.activity.sent++;
  if (alias !== undefined) aliases?.commit(topic, alias);
  return true;
}

/**
 * Sends a delivery now. Returns false when the client's in-flight window is full and the
 * delivery must wait.
 */
function send(ctx: InstanceContext, connection: ClientConnection, session: Session, delivery: Delivery, now: number): boolean {
  if (delivery.qos === 0) {
    writePublish(connection, delivery, 0, now);
    return true;
  }
  // [MQTT-3.3.4-9] no more unacknowledged QoS 1/2 PUBLISHes than the client's receive maximum.
  if (session.inflight.size >= connection.sendQuota) return false;
  const packetId = session.allocatePacketId();
  if (packetId === undefined) return false;
  if (delivery.qos === 2 && delivery.stored !== undefined) {
    sendOnceStored(ctx, connection, session, delivery, packetId);
    return true;
  }
  if (writePublish(connection, delivery, packetId, now)) {
    session.setInflight(packetId, { delivery, phase: 'publish' });
    // Issue 14: the packet id is stored with the session, so a restart resends it under the same id.
    if (delivery.stored !== undefined) void touchSession(ctx, session, true);
  } else {
    settleDelivery(ctx, session, delivery);
  }
  return true;
}

/**
 * Issue 14, exactly once across a crash: a stored QoS 2 delivery leaves only once its packet id
 * is stored, so a restarted node resends it under the same id (a client holding that id
 * answers PUBREC and does not deliver it again). The session's later deliveries wait behind
 * it (`sendHeld`), keeping their order. A reconnect meanwhile resends it from the in-flight window.
 */
function sendOnceStored(ctx: InstanceContext, connection: ClientConnection, session: Session, delivery: Delivery, packetId: number): void {
  const entry: InflightMessage = { delivery, phase: 'publish' };
  session.setInflight(packetId, entry);
  session.sendHeld = true;
  const release = (): void => {
    session.sendHeld = false;
    if (session.connection === connection && connection.isConnected && session.inflight.get(packetId) === entry && !writePublish(connection, delivery, packetId, Date.now())) {
      session.deleteInflight(packetId);
      settleDelivery(ctx, session, delivery);
    }
    if (session.connection !== undefined) drainQueue(ctx, session);
  };
  touchSession(ctx, session).then(release, release);
}

/**
 * Queues a delivery within the session's bounds (messages and bytes): when full, the oldest QoS 0
 * message is dropped first, then the oldest of any QoS; a message larger than the byte bound
 * itself is dropped. Every dropped message counts as `queue-full`. Then within the instance's
 * bound on queued bytes: the session's own oldest go the same way, and when it has none left
 * the new message is dropped, each counted as `instance-queue-full`.
 */
function enqueue(ctx: InstanceContext, session: Session, delivery: Delivery): boolean {
  const { maxQueuedMessages, maxQueuedBytes, maxQueuedBytesPerInstance } = ctx.limits;
  const bytes = messageBytes(delivery.message);
  if (maxQueuedMessages <= 0 || bytes > maxQueuedBytes) {
    ctx.refusals.count('queue-full', 1, session.clientId, delivery.message.topic);
    settleDelivery(ctx, session, delivery);
    return false;
  }
  const queue = session.writableQueue();
  while (queue.length >= maxQueuedMessages || queue.bytes + bytes > maxQueuedBytes) {
    const dropped = queue.dropOldest();
    settleDelivery(ctx, session, dropped);
    ctx.refusals.count('queue-full', 1, session.clientId, dropped?.message.topic);
    ctx.logger.debug({ clientId: session.clientId, topic: dropped?.message.topic }, 'session queue full, message dropped');
  }
  while (ctx.sessions.queuedBytes + bytes > maxQueuedBytesPerInstance) {
    const dropped = queue.dropOldest();
    settleDelivery(ctx, session, dropped ?? delivery);
    ctx.refusals.count('instance-queue-full', 1, session.clientId, (dropped ?? delivery).message.topic);
    ctx.logger.debug({ clientId: session.clientId, topic: (dropped ?? delivery).message.topic }, 'instance queues full, message dropped');
    if (dropped === undefined) return false;
  }
  ownPayload(delivery.message);
  queue.push(delivery);
  return true;
}

/**
 * Hands a delivery to a session: sent now when its client is online and keeping up, queued
 * otherwise. Issue 13: only if the client may subscribe to the message's topic now (a queued
 * message is checked again when it is replayed). When a backend authorizer must be asked, the
 * delivery queues and waits for the answer at the head of the queue: the client's messages
 * keep their order, and nothing is sent before its topic is allowed.
 */
export function deliver(ctx: InstanceContext, session: Session, delivery: Delivery, now: number): void {
  const connection = session.connection;
  if (connection !== undefined) {
    const allowed = receiveVerdict(ctx, connection, delivery.message.topic, delivery.qos);
    if (allowed === false) return;
    if (allowed === true && session.queue.length === 0 && !session.sendHeld && canWrite(connection)) {
      // Issue 14: stored (for a persistent session) before it leaves.
      persistDelivery(ctx, session, delivery);
      if (!send(ctx, connection, session, delivery, now)) enqueue(ctx, session, delivery);
      return;
    }
    if (allowed !== true && session.queue.length === 0) awaitReceiveCheck(ctx, session, { delivery, connection }, allowed);
  }
  // Issue 14: only what the queue admits is stored (a flood the queue drops at once costs no write).
  if (enqueue(ctx, session, delivery)) persistDelivery(ctx, session, delivery);
}

/** Waits for a backend authorizer's answer about the queue's head, then drains the queue again. */
function awaitReceiveCheck(ctx: InstanceContext, session: Session, check: ReceiveCheck, answer: Promise<boolean>): void {
  session.receiveCheck = check;
  void answer.then((allowed) => {
    // After the await: the session may have another connection, or this check been replaced.
    if (session.receiveCheck !== check) return;
    check.allowed = allowed;
    if (session.connection === check.connection && check.connection.state === 'connected') drainQueue(ctx, session);
  });
}

/** Whether the queue's head may be sent: its pending check's answer when there is one for this connection, else asked now. */
function headAllowed(ctx: InstanceContext, session: Session, connection: ClientConnection, delivery: Delivery): boolean | Promise<boolean> | 'waiting' {
  const check = session.receiveCheck;
  if (check !== undefined && check.delivery === delivery && check.connection === connection) {
    if (check.allowed === undefined) return 'waiting';
    session.receiveCheck = undefined;
    return check.allowed;
  }
  session.receiveCheck = undefined;
  return receiveVerdict(ctx, connection, delivery.message.topic, delivery.qos);
}

/** Sends queued deliveries while the client's window and socket allow; each is authorized again (issue 13). */
export function drainQueue(ctx: InstanceContext, session: Session, now = Date.now()): void {
  const connection = session.connection;
  while (session.queue.length > 0 && !session.sendHeld && canWrite(connection)) {
    const delivery = session.queue.peek() as Delivery;
    // [MQTT-3.3.2-5] an expired message is not delivered.
    if (isExpired(delivery.message, now)) {
      session.writableQueue().shift();
      settleDelivery(ctx, session, delivery);
      continue;
    }
    const allowed = headAllowed(ctx, session, connection, delivery);
    if (allowed === 'waiting') return;
    if (allowed instanceof Promise) {
      awaitReceiveCheck(ctx, session, { delivery, connection }, allowed);
      return;
    }
    if (!allowed) {
      session.writableQueue().shift();
      settleDelivery(ctx, session, delivery);
      continue;
    }
    if (!send(ctx, connection, session, delivery, now)) {
      // Allowed, waiting for the window: not asked again when the window opens.
      session.receiveCheck = { delivery, connection, allowed: true };
      return;
    }
    session.writableQueue().shift();
  }
}

/**
 * On reconnect to a persistent session, resend unacknowledged PUBLISH with DUP = 1 and
 * PUBREL packets, in their original order [MQTT-4.4.0-1], [MQTT-3.3.1-1]. They carry their
 * full topic and no alias: the aliases they may have used died with the old connection.
 */
export function resendInflight(connection: ClientConnection, session: Session, now = Date.now()): void {
  for (const [packetId, entry] of session.inflight) {
    if (entry.phase === 'pubrel') {
      connection.send({ cmd: 'pubrel', messageId: packetId });
    } else {
      connection.write(encodeDelivery(entry.delivery, connection.protocolVersion, packetId, true, now));
    }
  }
}
