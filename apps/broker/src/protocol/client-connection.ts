import type { Duplex } from 'node:stream';
import type { AttachedAuthorization } from './authorization';
import type { InboundBytes } from './inbound-frames';
import type { AllowedBy, ClientAuthorization } from '@mqc/auth';
import { generate, type Packet, type Parser } from 'mqtt-packet';
import { NO_AUTH_EXCHANGE, type AuthExchange } from './enhanced-auth/auth-exchange';
import type { ConnectionInfo, TransportIdentity } from './instance-broker';
import type { InstanceContext } from './instance-context';
import type { Message } from './message';
import type { OutboundTopicAliases } from './outbound-topic-aliases';
import { PendingPackets } from './pending-packets';
import { DETACHED_ACTIVITY, type InstanceActivity } from './instance-activity';
import type { Session } from './session-store';

/**
 * `awaiting-connect` → `authenticating` (CONNECT received, pipeline running) → `connected`
 * (CONNACK 0 sent) → `closed`. Every step after an await checks for `closed`.
 */
export type ConnectionState = 'awaiting-connect' | 'authenticating' | 'connected' | 'closed';

/** The will of a connection: published as `message`, its expiry counted from publication. */
export interface WillIntent {
  readonly message: Message;
  readonly expirySeconds?: number;
  readonly delaySeconds: number;
  /** Whether the client may still publish it, asked again when it is sent (issue 13). */
  readonly authorized?: () => boolean | Promise<boolean>;
}

export function willMessage(will: WillIntent, now = Date.now()): Message {
  return will.expirySeconds === undefined ? will.message : { ...will.message, expiresAt: now + will.expirySeconds * 1000 };
}

/** What a plain TCP or WebSocket connection proved: nothing. Shared by them all. */
const NOTHING_PROVED: TransportIdentity = Object.freeze({});

/**
 * The largest packet MQTT can carry (a 4-byte remaining length): "no maximum". A small
 * integer, so the field holds no boxed number per connection (Number.MAX_SAFE_INTEGER would).
 */
export const MAX_MQTT_PACKET_SIZE = 1 + 4 + 268_435_455;

function flushOnNextTick(connection: ClientConnection): void {
  connection.flush();
}

/** One network connection: its stream, parser, negotiated parameters and timers. No protocol rules here. */
export class ClientConnection implements InboundBytes {
  state: ConnectionState = 'awaiting-connect';
  /**
   * mqtt-packet's parser, made when bytes arrive and dropped when the connection has been idle
   * with no partial packet (connection-lifecycle.ts): an idle connection holds no parser.
   */
  parser: Parser | undefined;
  /** Bytes of a packet not yet whole (inbound-frames.ts). */
  heldChunks: Buffer[] | undefined;
  heldBytes = 0;
  heldNeed = 0;
  /** The CONNECT's bridge bit (mqtt-packet reads SUBSCRIBE options by it), for a parser made again. */
  bridgeMode = false;
  protocolVersion: 3 | 4 | 5 = 4;
  clientId = '';
  username: string | undefined;
  superuser = false;
  /** The client's authorization, attached when the CONNECT is accepted and compiled at its first check (authorization.ts). */
  authorization: ClientAuthorization | AttachedAuthorization | undefined;
  /** Issue 13: a packet waits for a backend authorizer; later packets are held in `pending`, in order. */
  awaitingCheck = false;
  /** What the transport proved (certificate, PSK identity), set when the CONNECT pipeline admits it. */
  transportIdentity: TransportIdentity = NOTHING_PROVED;
  /** The authenticator that let the client in and what it proved; undefined for an anonymous allow. */
  allowedBy: AllowedBy | undefined;
  /** Enhanced authentication (MQTT 5.0 section 4.12): where the connection stands, one value. */
  authExchange: AuthExchange = NO_AUTH_EXCHANGE;
  session: Session | undefined;
  /** The instance's counters (messages sent), set when the connection is attached. */
  activity: InstanceActivity = DETACHED_ACTIVITY;
  will: WillIntent | undefined;

  /** Keep alive in ms (0: off) and the time of the last bytes received. */
  keepAliveMs = 0;
  lastActivity = Date.now();

  /** What the client accepts (5.0 CONNECT properties), applied to what we send it. */
  sendQuota = 65535;
  maximumPacketSize = MAX_MQTT_PACKET_SIZE;
  requestProblemInformation = true;
  /** Topic aliases the client set up (client → server) and the maximum we advertised. */
  topicAliases: Map<number, string> | undefined;
  topicAliasMaximum = 0;
  /** Topic aliases we set up toward the client (server → client); undefined when it allows none. */
  outboundAliases: OutboundTopicAliases | undefined;
  /** 5.0: the session expiry interval the CONNECT asked for (0 forbids a non-zero one on DISCONNECT). */
  connectSessionExpiry = 0;

  private pendingPackets: PendingPackets | undefined;

  /** Issue 14: the last acknowledgement waiting for a store write; later ones follow it, in order. */
  ackTail: Promise<void> | undefined;

  connectTimer: NodeJS.Timeout | undefined;
  authExpiryTimer: NodeJS.Timeout | undefined;
  /** Packets written in this tick, not yet handed to the stream, and their bytes. */
  private outbox: Buffer[] | undefined;
  private outboxBytes = 0;

  constructor(
    readonly stream: Duplex,
    readonly info: ConnectionInfo,
    /** The instance it belongs to: the shared stream, parser and keep-alive handlers find it here. */
    readonly ctx: InstanceContext,
  ) {}

  /** Packets that arrived while CONNECT was being authenticated [MQTT-3.1.4-5] or a check was pending; made on first use. */
  get pending(): PendingPackets {
    return (this.pendingPackets ??= new PendingPackets());
  }

  /** Every pending packet, in order (none made when none came). */
  takePending(): Packet[] {
    return this.pendingPackets?.takeAll() ?? [];
  }

  /** Read through a getter so TypeScript does not narrow `state` across awaits and calls. */
  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }

  /**
   * Writes bytes; the writes of one tick leave together, as one buffer in one write to the
   * stream (on the next tick, or at `flush()`): one syscall, and none of the stream's
   * per-write bookkeeping (a corked stream keeps an entry per write and hands them to `writev`).
   */
  write(buffer: Buffer): void {
    if (this.state === 'closed') return;
    if (this.outbox === undefined) {
      this.outbox = [buffer];
      process.nextTick(flushOnNextTick, this);
    } else {
      this.outbox.push(buffer);
    }
    this.outboxBytes += buffer.length;
  }

  /** Hands what this tick wrote to the stream (also when closing, before the stream is ended). */
  flush(): void {
    const outbox = this.outbox;
    if (outbox === undefined) return;
    const bytes = this.outboxBytes;
    this.outbox = undefined;
    this.outboxBytes = 0;
    if (this.stream.destroyed) return;
    this.stream.write(outbox.length === 1 ? (outbox[0] as Buffer) : Buffer.concat(outbox, bytes));
  }

  send(packet: Packet): void {
    this.write(generate(packet, { protocolVersion: this.protocolVersion }));
  }

  /** Bytes queued in the socket: beyond a threshold the client counts as slow. */
  get backlog(): number {
    return this.stream.writableLength + this.outboxBytes;
  }

  /** Its own timers; its keep-alive and idle-parser deadlines live on shared wheels (connection-lifecycle.ts). */
  clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.authExpiryTimer);
    this.connectTimer = this.authExpiryTimer = undefined;
  }
}
