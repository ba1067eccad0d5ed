import type { Packet } from 'mqtt-packet';
import type { ClientConnection } from './client-connection';
import { dispatch } from './dispatcher';
import { endAuthExchange, offerToAuthExchange } from './enhanced-auth/auth-exchange';
import type { InstanceContext } from './instance-context';
import { drainQueue } from './outbound';
import { RC } from './reason-codes';
import { detachSession } from './session-lifecycle';
import { refuseMalformedStrings } from './utf8-strings';
import { unreadableField } from './unreadable-fields';

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_FLUSH_MS = 2_000;

/**
 * Packets a client may send ahead of its CONNACK (a client that does not wait sends a few:
 * SUBSCRIBE, PUBLISH); beyond it, or beyond the instance's maximum packet size in bytes, the
 * connection is closed. A hundred parsed packets hold some tens of KiB.
 */
export const MAX_PENDING_PACKETS = 100;

export interface CloseOptions {
  /** 5.0 DISCONNECT reason code sent before closing (only once CONNACK was sent). */
  reasonCode?: number;
  reasonString?: string;
  /** Publish the will (a close without a normal DISCONNECT) [MQTT-3.1.2-8]. */
  publishWill: boolean;
  /** Why, for the event log, when `reasonString` does not say it. */
  cause?: string;
}

/** The event log's words for a close (issue 15). */
function closeReason(options: CloseOptions): string {
  if (options.reasonString !== undefined) return options.reasonString;
  if (options.cause !== undefined) return options.cause;
  return options.reasonCode === undefined ? 'closed by the server' : `closed by the server (reason code 0x${options.reasonCode.toString(16).padStart(2, '0')})`;
}

function destroyStream(connection: ClientConnection): void {
  connection.stream.destroy();
}

/**
 * Closes a connection once: optional 5.0 DISCONNECT, socket ended, timers stopped, the client
 * unregistered and its session detached (will and session expiry handled there).
 */
export function closeConnection(ctx: InstanceContext, connection: ClientConnection, options: CloseOptions): void {
  if (connection.state === 'closed') return;
  const wasConnected = connection.state === 'connected';
  if (wasConnected && connection.protocolVersion === 5 && options.reasonCode !== undefined) {
    const properties = options.reasonString !== undefined && connection.requestProblemInformation ? { reasonString: options.reasonString } : undefined;
    connection.send({ cmd: 'disconnect', reasonCode: options.reasonCode, properties });
  }
  connection.state = 'closed';
  connection.clearTimers();
  endAuthExchange(connection);
  ctx.connections.delete(connection);
  const { stream } = connection;
  if (connection.corked) {
    connection.corked = false;
    stream.uncork();
  }
  if (!stream.destroyed) {
    stream.end();
    setTimeout(destroyStream, CLOSE_FLUSH_MS, connection).unref();
  }
  if (!wasConnected) return;
  ctx.activity.record({
    type: 'client.disconnected',
    at: Date.now(),
    clientId: connection.clientId,
    username: connection.username,
    source: connection.info.remoteAddress,
    reason: closeReason(options),
    ...(options.reasonCode === undefined ? {} : { reasonCode: options.reasonCode }),
  });
  if (ctx.clients.get(connection.clientId) === connection) ctx.clients.delete(connection.clientId);
  detachSession(ctx, connection, options.publishWill ? connection.will : undefined);
}

/**
 * A protocol violation: 5.0 clients get DISCONNECT with the reason code before the close
 * [MQTT-4.13.1-1]; 3.1.1 clients are just disconnected [MQTT-4.8.0-1]. The will is published.
 */
export function violation(ctx: InstanceContext, connection: ClientConnection, reasonCode: number, reason: string): void {
  ctx.logger.debug({ clientId: connection.clientId, reasonCode, reason }, 'protocol violation, closing');
  closeConnection(ctx, connection, { reasonCode, reasonString: reason, publishWill: true });
}

function packetSize(remainingLength: number): number {
  const lengthBytes = remainingLength < 128 ? 1 : remainingLength < 16_384 ? 2 : remainingLength < 2_097_152 ? 3 : 4;
  return 1 + lengthBytes + remainingLength;
}

/** Keeps a packet that came before the CONNACK, within the bounds; beyond them the connection is closed (no CONNACK, no DISCONNECT). */
function holdUntilConnack(ctx: InstanceContext, connection: ClientConnection, packet: Packet): void {
  const { pending } = connection;
  pending.push(packet, packetSize(packet.length ?? 0));
  if (pending.length <= MAX_PENDING_PACKETS && pending.bytes <= ctx.limits.maxPacketSize) return;
  ctx.refusals.count('pending-before-connack');
  ctx.logger.debug({ clientId: connection.clientId, packets: pending.length, bytes: pending.bytes }, 'too much sent before CONNACK, closing');
  pending.takeAll();
  closeConnection(ctx, connection, { publishWill: false });
}

/** What one paused read may still hand over beyond a whole packet: a TCP read chunk. */
const HELD_READ_BYTES = 64 * 1024;

/**
 * Keeps a packet that came while an earlier one of the same client waits for a backend
 * authorizer (the stream is paused: what one read already held). Beyond a read chunk and a
 * packet, the connection is closed.
 */
function holdWhileChecking(ctx: InstanceContext, connection: ClientConnection, packet: Packet): void {
  const { pending } = connection;
  pending.push(packet, packetSize(packet.length ?? 0));
  if (pending.bytes <= ctx.limits.maxPacketSize + HELD_READ_BYTES) return;
  ctx.logger.debug({ clientId: connection.clientId, packets: pending.length, bytes: pending.bytes }, 'too much held during an authorization check, closing');
  pending.takeAll();
  closeConnection(ctx, connection, { publishWill: true });
}

/**
 * Issue 13: a packet whose authorization asks a backend finishes when the answer comes; the
 * client's later packets wait (stream paused, packets held) so they are handled in the order
 * sent. After the await the connection may be gone: then nothing more is done. A check that
 * rejects is answered by `onFailure` (a denial: fail closed).
 */
export function continueAfterCheck<T>(ctx: InstanceContext, connection: ClientConnection, check: Promise<T>, onFailure: (error: unknown) => T, then: (answer: T) => void): void {
  connection.awaitingCheck = true;
  connection.stream.pause();
  void check.then(undefined, onFailure).then((answer) => {
    if (!connection.isConnected) return;
    connection.awaitingCheck = false;
    then(answer);
    while (!connection.awaitingCheck && connection.isConnected && connection.pending.length > 0) dispatch(ctx, connection, connection.pending.shift() as Packet);
    if (!connection.awaitingCheck && connection.isConnected) connection.stream.resume();
  });
}

function onPacket(ctx: InstanceContext, connection: ClientConnection, packet: Packet): void {
  if (connection.state === 'closed') return;
  if (packet.length !== undefined && packetSize(packet.length) > ctx.limits.maxPacketSize) {
    ctx.refusals.count('packet-too-large');
    violation(ctx, connection, RC.packetTooLarge, 'packet too large');
    return;
  }
  const unreadable = unreadableField(packet);
  if (unreadable !== undefined) {
    violation(ctx, connection, RC.malformedPacket, `${unreadable} runs past the end of the packet`);
    return;
  }
  // [MQTT-3.1.4-5] packets after CONNECT wait until the CONNECT is accepted.
  if (connection.state === 'authenticating') {
    // An enhanced authentication in progress takes the client's AUTH (or what came instead).
    if (!offerToAuthExchange(connection, packet)) holdUntilConnack(ctx, connection, packet);
    return;
  }
  if (connection.awaitingCheck) {
    holdWhileChecking(ctx, connection, packet);
    return;
  }
  dispatch(ctx, connection, packet);
}

function onParseError(ctx: InstanceContext, connection: ClientConnection, error: Error): void {
  if (connection.state === 'closed') return;
  if (connection.state === 'awaiting-connect' && error.message === 'Invalid protocol version') {
    // [MQTT-3.1.2-2] CONNACK 0x01 unacceptable protocol version, in the 3.1.1 format, then close.
    ctx.activity.record({ type: 'client.connect-refused', at: Date.now(), source: connection.info.remoteAddress, reason: 'unacceptable protocol version', transport: connection.info.transport, connackCode: 1, authenticatorId: null });
    connection.send({ cmd: 'connack', returnCode: 1, sessionPresent: false });
    closeConnection(ctx, connection, { publishWill: false });
    return;
  }
  // [MQTT-4.8.0-1] malformed packets close the connection; 5.0 with DISCONNECT 0x81.
  violation(ctx, connection, RC.malformedPacket, error.message);
}

/** The parser's packet in progress (mqtt-packet keeps it public); used to refuse oversized packets before buffering them. */
interface ParserInProgress {
  packet?: { length?: number };
}

function onData(ctx: InstanceContext, connection: ClientConnection, chunk: Buffer): void {
  if (connection.state === 'closed') return;
  connection.lastActivity = Date.now();
  connection.parser.parse(chunk);
  if (!connection.isOpen) return;
  const remaining = (connection.parser as ParserInProgress).packet?.length;
  if (remaining !== undefined && remaining > 0 && packetSize(remaining) > ctx.limits.maxPacketSize) {
    ctx.refusals.count('packet-too-large');
    violation(ctx, connection, RC.packetTooLarge, 'packet too large');
  }
}

function onConnectTimeout(ctx: InstanceContext, connection: ClientConnection): void {
  connection.connectTimer = undefined;
  if (connection.state === 'awaiting-connect') closeConnection(ctx, connection, { publishWill: false });
}

function onStreamGone(ctx: InstanceContext, connection: ClientConnection): void {
  closeConnection(ctx, connection, { publishWill: true, cause: 'connection lost (closed without DISCONNECT)' });
}

/** Wires a new stream to the instance: parser, connect timeout, close and drain handling. */
export function attachConnection(ctx: InstanceContext, connection: ClientConnection): void {
  ctx.connections.add(connection);
  connection.activity = ctx.activity;
  connection.connectTimer = setTimeout(onConnectTimeout, ctx.limits.connectTimeoutMs, ctx, connection);
  refuseMalformedStrings(connection.parser);
  connection.parser.on('packet', (packet: Packet) => onPacket(ctx, connection, packet));
  connection.parser.on('error', (error: Error) => onParseError(ctx, connection, error));
  const { stream } = connection;
  stream.on('data', (chunk: Buffer) => onData(ctx, connection, chunk));
  stream.on('error', (error: Error) => {
    ctx.logger.debug({ clientId: connection.clientId, err: error }, 'stream error');
    onStreamGone(ctx, connection);
  });
  stream.on('end', () => onStreamGone(ctx, connection));
  stream.on('close', () => onStreamGone(ctx, connection));
  stream.on('drain', () => {
    if (connection.session !== undefined && connection.state === 'connected') drainQueue(ctx, connection.session);
  });
}

function onKeepAliveTimer(ctx: InstanceContext, connection: ClientConnection): void {
  connection.keepAliveTimer = undefined;
  if (connection.state !== 'connected') return;
  const limit = connection.keepAliveMs * 1.5;
  const idle = Date.now() - connection.lastActivity;
  if (idle >= limit) {
    // [MQTT-3.1.2-24] nothing received within 1.5 × keep alive: close as if the network failed (will published).
    closeConnection(ctx, connection, { reasonCode: RC.keepAliveTimeout, reasonString: 'keep alive timeout', publishWill: true });
    return;
  }
  connection.keepAliveTimer = setTimeout(onKeepAliveTimer, limit - idle, ctx, connection);
}

/** One timer per connection, re-armed only when it fires, not per packet. */
export function startKeepAlive(ctx: InstanceContext, connection: ClientConnection): void {
  if (connection.keepAliveMs === 0) return;
  connection.keepAliveTimer = setTimeout(onKeepAliveTimer, connection.keepAliveMs * 1.5, ctx, connection);
}
