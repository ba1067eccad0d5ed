import type { Duplex } from 'node:stream';
import { parser as createParser, type Packet, type Parser } from 'mqtt-packet';
import type { ClientConnection } from './client-connection';
import { dispatch } from './dispatcher';
import { endAuthExchange, offerToAuthExchange } from './enhanced-auth/auth-exchange';
import { readInbound, releaseHeld, type InboundHandlers } from './inbound-frames';
import type { InstanceContext } from './instance-context';
import { drainQueue } from './outbound';
import { RC } from './reason-codes';
import { detachSession } from './session-lifecycle';
import { TimerWheel } from './timer-wheel';
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
  keepAlives.cancel(connection);
  idleParsers.cancel(connection);
  connection.parser = undefined;
  releaseHeld(connection);
  endAuthExchange(connection);
  ctx.connections.delete(connection);
  const { stream } = connection;
  connection.flush();
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
  // Its size was checked when its fixed header came (inboundHandlers.admitsLength).
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

/** The parser's state (mqtt-packet keeps it public): the packet in progress and the bytes it holds. */
interface ParserInProgress {
  settings?: { bridgeMode?: boolean };
  _list: { length: number };
  _stateCounter: number;
}

/**
 * A connection's handlers are shared functions, not closures: the stream and the parser carry
 * their connection under this key, and the connection carries its instance.
 */
const CONNECTION = Symbol('mqc.connection');

type Carrier = { [CONNECTION]?: ClientConnection };

/** No bytes for this long, and no partial packet: the connection's parser is dropped, and made again when bytes come. */
export const PARSER_IDLE_MS = 5_000;

/** Keep-alive deadlines of every connection of the process: 250 ms ticks, a 128 s round. */
const keepAlives = new TimerWheel<ClientConnection>(250, 512, onKeepAliveDue);
/** When to look whether a connection's parser can go: 1 s ticks. */
const idleParsers = new TimerWheel<ClientConnection>(1_000, 64, onParserIdleDue);

function onParsedPacket(this: Parser, packet: Packet): void {
  const connection = (this as Carrier)[CONNECTION];
  if (connection !== undefined) onPacket(connection.ctx, connection, packet);
}

function onParserError(this: Parser, error: Error): void {
  const connection = (this as Carrier)[CONNECTION];
  if (connection !== undefined) onParseError(connection.ctx, connection, error);
}

/**
 * The connection's parser, made on first use: before the CONNECT it learns the protocol
 * version from it; made again after an idle spell, it gets the negotiated version and the
 * CONNECT's bridge bit.
 */
function parserOf(connection: ClientConnection): Parser {
  if (connection.parser !== undefined) return connection.parser;
  const parser = connection.state === 'awaiting-connect' ? createParser() : createParser({ protocolVersion: connection.protocolVersion, bridgeMode: connection.bridgeMode });
  refuseMalformedStrings(parser);
  (parser as Carrier)[CONNECTION] = connection;
  parser.on('packet', onParsedPacket);
  parser.on('error', onParserError);
  connection.parser = parser;
  return parser;
}

/** Whether the parser holds nothing: no bytes of a packet in progress. */
function parserIsEmpty(parser: Parser): boolean {
  const state = parser as unknown as ParserInProgress;
  return state._list.length === 0 && state._stateCounter === 0;
}

function onParserIdleDue(connection: ClientConnection, now: number): void {
  const parser = connection.parser;
  if (parser === undefined || connection.state !== 'connected') return;
  const quietUntil = connection.lastActivity + PARSER_IDLE_MS;
  if (quietUntil > now) {
    idleParsers.schedule(connection, quietUntil);
    return;
  }
  if (!parserIsEmpty(parser)) return;
  connection.bridgeMode = (parser as unknown as ParserInProgress).settings?.bridgeMode === true;
  (parser as Carrier)[CONNECTION] = undefined;
  connection.parser = undefined;
}

/** From the CONNACK on, the parser is dropped once the connection has been quiet for PARSER_IDLE_MS. */
export function watchParserIdle(connection: ClientConnection): void {
  if (connection.state === 'connected' && connection.parser !== undefined && !idleParsers.has(connection)) idleParsers.schedule(connection, connection.lastActivity + PARSER_IDLE_MS);
}

/**
 * How a connection's bytes become packets (`inbound-frames.ts`): a whole PUBLISH or two-byte
 * acknowledgement of a connected client is read in place, anything else goes to mqtt-packet's
 * parser one whole packet at a time.
 */
const inboundHandlers: InboundHandlers<ClientConnection> = {
  fastPathVersion: (connection) => (connection.state === 'connected' ? connection.protocolVersion : undefined),
  onPacket: (connection, packet) => onPacket(connection.ctx, connection, packet),
  parseSlowly: (connection, bytes) => {
    parserOf(connection).parse(bytes);
  },
  admitsLength: (connection, remainingLength) => {
    if (packetSize(remainingLength) <= connection.ctx.limits.maxPacketSize) return true;
    connection.ctx.refusals.count('packet-too-large');
    violation(connection.ctx, connection, RC.packetTooLarge, 'packet too large');
    return false;
  },
  isOpen: (connection) => connection.isOpen,
};

function onData(connection: ClientConnection, chunk: Buffer): void {
  if (connection.state === 'closed') return;
  connection.lastActivity = Date.now();
  readInbound(connection, chunk, inboundHandlers);
  if (connection.isOpen) watchParserIdle(connection);
}

function onConnectTimeout(ctx: InstanceContext, connection: ClientConnection): void {
  connection.connectTimer = undefined;
  if (connection.state === 'awaiting-connect') closeConnection(ctx, connection, { publishWill: false });
}

function onStreamGone(ctx: InstanceContext, connection: ClientConnection): void {
  closeConnection(ctx, connection, { publishWill: true, cause: 'connection lost (closed without DISCONNECT)' });
}

function onStreamData(this: Duplex, chunk: Buffer): void {
  const connection = (this as Carrier)[CONNECTION];
  if (connection !== undefined) onData(connection, chunk);
}

function onStreamError(this: Duplex, error: Error): void {
  const connection = (this as Carrier)[CONNECTION];
  if (connection === undefined) return;
  connection.ctx.logger.debug({ clientId: connection.clientId, err: error }, 'stream error');
  onStreamGone(connection.ctx, connection);
}

function onStreamEnded(this: Duplex): void {
  const connection = (this as Carrier)[CONNECTION];
  if (connection !== undefined) onStreamGone(connection.ctx, connection);
}

function onStreamDrain(this: Duplex): void {
  const connection = (this as Carrier)[CONNECTION];
  if (connection?.session !== undefined && connection.state === 'connected') drainQueue(connection.ctx, connection.session);
}

/** Wires a new stream to the instance: parser (made when bytes come), connect timeout, close and drain handling. */
export function attachConnection(ctx: InstanceContext, connection: ClientConnection): void {
  ctx.connections.add(connection);
  connection.activity = ctx.activity;
  connection.connectTimer = setTimeout(onConnectTimeout, ctx.limits.connectTimeoutMs, ctx, connection);
  const { stream } = connection;
  (stream as Carrier)[CONNECTION] = connection;
  stream.on('data', onStreamData);
  stream.on('error', onStreamError);
  stream.on('end', onStreamEnded);
  stream.on('close', onStreamEnded);
  stream.on('drain', onStreamDrain);
}

function onKeepAliveDue(connection: ClientConnection, now: number): void {
  if (connection.state !== 'connected') return;
  const limit = connection.keepAliveMs * 1.5;
  if (now - connection.lastActivity >= limit) {
    // [MQTT-3.1.2-24] nothing received within 1.5 × keep alive: close as if the network failed (will published).
    closeConnection(connection.ctx, connection, { reasonCode: RC.keepAliveTimeout, reasonString: 'keep alive timeout', publishWill: true });
    return;
  }
  keepAlives.schedule(connection, connection.lastActivity + limit);
}

/**
 * One wheel for every connection's keep alive (no timer per connection); a deadline is moved
 * only when it comes, not per packet: then it is pushed to 1.5 × keep alive after the last bytes.
 */
export function startKeepAlive(_ctx: InstanceContext, connection: ClientConnection): void {
  if (connection.keepAliveMs === 0) return;
  keepAlives.schedule(connection, Date.now() + connection.keepAliveMs * 1.5);
}
