import type { AllowedBy, ChainDecision, ClientCertificate, ConnectCredentials } from '@mqc/auth';
import type { X509Mode } from '@mqc/domain';
import type { Duplex } from 'node:stream';
import pino, { type Logger } from 'pino';
import { isOpen, OPEN_AUTHORIZATION, type InstanceAuthorization } from './authorization';
import { ClientConnection } from './client-connection';
import { clientDetail, kickClient, listClients, type ClientFilter, type KickOutcome } from './client-views';
import { InstanceActivity } from './instance-activity';
import { attachConnection, closeConnection } from './connection-lifecycle';
import type { InstanceContext } from './instance-context';
import { RateLimiter } from './rate-limiter';
import { RC } from './reason-codes';
import { RefusalCounters, type RefusalCounts } from './refusal-counters';
import { RetainedStore } from './retained-store';
import { deleteRetained, listRetained } from './retained-views';
import { stopSessionTimers } from './session-lifecycle';
import { SessionStore } from './session-store';
import { TopicTree } from './topic-tree';
import type { InstanceDurability, RestoredInstance } from './durability';
import { restoreInstance } from './restore';

export interface InstanceLimits {
  maxConnections: number;        // CONNACK 0x97 quota exceeded (5.0) / 3 server unavailable (3.1.1) beyond it
  messagesPerSecond: number;     // inbound PUBLISH rate across the instance; beyond it: MQTT5 DISCONNECT 0x96 message rate too high, 3.1.1 close
  maxPacketSize: number;         // bytes, default 1 MiB; advertise in CONNACK (5.0), 0x95 packet too large
  connectTimeoutMs: number;      // socket that never sends CONNECT is closed (default 10_000)
  maxTopicLength: number;        // bytes (default 1024)
  maxTopicLevels: number;        // default 64
  receiveMaximum: number;        // server's receive maximum advertised to 5.0 clients (default 64)
  maxInflight: number;           // QoS1/2 messages in flight to one client (default 64), further ones queue
  maxQueuedMessages: number;     // per offline/slow session (default 1000), then drop oldest QoS0 first
  maxQueuedBytes: number;        // bytes queued per session (default 16 MiB), same drop order
  maxSessions: number;           // sessions online + offline (default 1000); a CONNECT needing a new one beyond it: CONNACK 0x97 / 3
  maxQueuedBytesPerInstance: number; // bytes queued across the instance's sessions (default 256 MiB); the session's oldest dropped, or the new message
  maxRetainedMessages: number;   // per instance (default 10_000); a retained PUBLISH beyond it: PUBACK/PUBREC 0x97 (5.0), dropped
  maxRetainedBytes: number;      // per instance (default 64 MiB), the same
  maxSubscriptionsPerClient: number;   // default 1000; beyond it SUBACK 0x97 (5.0) / 0x80 (3.1.1)
  maxSubscriptionsPerInstance: number; // default 100_000; the same
  maxSessionExpirySeconds: number; // cap (default 7 days)
  keepAliveMaxSeconds?: number;  // optional server keep alive (5.0)
  /** Topic alias maximum advertised to 5.0 clients (client → server aliases); default 64. */
  topicAliasMaximum?: number;
}

/** The defaults named in the limits' comments, for callers that build limits from partial settings. */
export const DEFAULT_INSTANCE_LIMITS: InstanceLimits = {
  maxConnections: 1000,
  messagesPerSecond: 1000,
  maxPacketSize: 1024 * 1024,
  connectTimeoutMs: 10_000,
  maxTopicLength: 1024,
  maxTopicLevels: 64,
  receiveMaximum: 64,
  maxInflight: 64,
  maxQueuedMessages: 1000,
  maxQueuedBytes: 16 * 1024 * 1024,
  maxSessions: 1000,
  maxQueuedBytesPerInstance: 256 * 1024 * 1024,
  maxRetainedMessages: 10_000,
  maxRetainedBytes: 64 * 1024 * 1024,
  maxSubscriptionsPerClient: 1000,
  maxSubscriptionsPerInstance: 100_000,
  maxSessionExpirySeconds: 7 * 24 * 3600,
};

/** A client certificate as the TLS handshake left it: verified against the trusted CAs, or why not. */
export type PeerCertificate = { verified: true; certificate: ClientCertificate } | { verified: false; problem: string };

/**
 * What a TLS handshake established, as the TLS listener records it. Whether that admits the
 * client is the CONNECT pipeline's decision (`connect/transport-identity.step.ts`).
 */
export interface TlsHandshake {
  /** SPEC 4.2: the instance's X.509 mode when the handshake was made. */
  mode: X509Mode;
  /** The identity a TLS-PSK handshake proved (its key); such a handshake carries no certificate. */
  pskIdentity?: string;
  /** The client's certificate, absent when none was sent; not examined in mode TLS. */
  peerCertificate?: PeerCertificate;
}

/** What an instance holds in memory; the bytes are messageBytes (topic, payload, properties). */
export interface InstanceUsage {
  /** Open network connections, connected or not yet. */
  connections: number;
  /** Sessions, online and offline (an offline one waits for its expiry). */
  sessions: number;
  queuedMessages: number;
  queuedBytes: number;
  /** Outgoing QoS 1/2 messages not yet acknowledged. */
  inflightMessages: number;
  retainedMessages: number;
  retainedBytes: number;
  subscriptions: number;
}

export const INSTANCE_USAGE_FIELDS = ['connections', 'sessions', 'queuedMessages', 'queuedBytes', 'inflightMessages', 'retainedMessages', 'retainedBytes', 'subscriptions'] as const satisfies readonly (keyof InstanceUsage)[];

export interface ConnectionInfo {
  remoteAddress: string;
  /** `wss`: MQTT over WebSocket over TLS (the TLS listener's port). */
  transport: 'tcp' | 'tls' | 'ws' | 'wss';
  /** TLS and wss connections: what the handshake established. */
  tls?: TlsHandshake;
}

/** What the transport proved about the client, once the CONNECT pipeline admitted it: passed to the chain. */
export interface TransportIdentity {
  certificate?: ClientCertificate;
  pskIdentity?: string;
}

export interface InstanceBrokerOptions {
  instanceId: string;
  limits: InstanceLimits;
  /** Runs the instance's authentication chain; may take long (bcrypt) — never block on it. */
  authenticate(credentials: ConnectCredentials): Promise<ChainDecision>;
  logger?: Logger;
  /** The authorization chain and policy; absent: nothing is checked but `$SYS` (see authorization.ts). */
  authorization?: InstanceAuthorization;
  /** Issue 14: the durable store written behind the engine; absent, sessions and retained messages live in memory only. */
  durability?: InstanceDurability;
}

/** A connected client as revocations see it; the `AllowedBy` fields are absent for an anonymous allow. */
export interface ConnectedClientInfo extends Partial<AllowedBy> {
  clientId: string;
  username?: string;
  certificateSerial?: string;
  pskIdentity?: string;
  superuser: boolean;
  protocolVersion: 3 | 4 | 5;
  remoteAddress: string;
}

function clientInfo(connection: ClientConnection): ConnectedClientInfo {
  return {
    clientId: connection.clientId,
    username: connection.username,
    certificateSerial: connection.transportIdentity.certificate?.serialNumber,
    pskIdentity: connection.transportIdentity.pskIdentity,
    superuser: connection.superuser,
    protocolVersion: connection.protocolVersion,
    remoteAddress: connection.info.remoteAddress,
    ...connection.allowedBy,
  };
}

/** How long close() waits for sockets to flush their DISCONNECT before destroying them. */
const CLOSE_GRACE_MS = 1_000;

function waitForClose(stream: Duplex): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, CLOSE_GRACE_MS);
    timer.unref();
    stream.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * The MQTT 3.1.1 + 5.0 engine of one tenant instance: its own topic tree, sessions and
 * retained messages, nothing shared with other instances. Sessions and retained messages are
 * kept in memory; with `durability` (issue 14) persistent sessions and retained messages are
 * also written behind to a durable store and survive a restart (`restore`).
 */
export class InstanceBroker {
  private readonly ctx: InstanceContext;

  constructor(options: InstanceBrokerOptions) {
    const activity = new InstanceActivity();
    this.ctx = {
      instanceId: options.instanceId,
      limits: { ...options.limits },
      logger: (options.logger ?? pino({ enabled: false })).child({ instanceId: options.instanceId }),
      authenticate: options.authenticate,
      subscriptions: new TopicTree(),
      retained: new RetainedStore(),
      sessions: new SessionStore(),
      clients: new Map(),
      connections: new Set(),
      rate: new RateLimiter(options.limits.messagesPerSecond),
      refusals: new RefusalCounters((reason, clientId, topic) => {
        const now = Date.now();
        if (activity.sample('message.dropped', now)) activity.record({ type: 'message.dropped', at: now, reason, ...(clientId === undefined ? {} : { clientId }), ...(topic === undefined ? {} : { topic }) });
      }),
      activity,
      authorization: options.authorization ?? OPEN_AUTHORIZATION,
      authorizationGeneration: 0,
      authorizationOpen: isOpen(options.authorization ?? OPEN_AUTHORIZATION),
      closing: false,
      routingEpoch: 0,
      routedTopic: '',
      routedLevels: [''],
      durability: options.durability,
      writes: undefined,
    };
  }

  /** Issue 14: rebuilds what the durable store kept (before the listeners open: no client is connected yet). */
  restore(state: RestoredInstance): void {
    this.ctx.activity.wake();
    restoreInstance(this.ctx, state);
  }

  /** Serves one client stream (TCP, TLS or WebSocket); TLS streams pass what their handshake established in `info.tls`. */
  handleConnection(stream: Duplex, info: ConnectionInfo): void {
    if (this.ctx.closing) {
      stream.destroy();
      return;
    }
    // Issue 16: only a connection (or an operator's action) changes a sleeping instance.
    this.ctx.activity.wake();
    attachConnection(this.ctx, new ClientConnection(stream, info, this.ctx));
  }

  /** New limits apply to new connections and to every later check (quota, rate, sizes, queues). */
  updateLimits(limits: InstanceLimits): void {
    this.ctx.limits = { ...limits };
    this.ctx.rate.setRate(limits.messagesPerSecond);
  }

  /**
   * A new authorization chain or policy: every connected client recompiles its rules at its
   * next check (the generation moves), so live subscriptions obey it from the next message.
   */
  /** The instance's authorization chain as loaded now. */
  get authorization(): InstanceAuthorization {
    return this.ctx.authorization;
  }

  updateAuthorization(authorization: InstanceAuthorization): void {
    this.ctx.authorization = authorization;
    this.ctx.authorizationOpen = isOpen(authorization);
    this.ctx.authorizationGeneration++;
  }

  /** Disconnects matching clients (5.0: DISCONNECT with reasonCode, e.g. 0x87 not authorized after a credential is revoked); returns how many. */
  disconnectWhere(predicate: (client: ConnectedClientInfo) => boolean, reasonCode: number): number {
    let count = 0;
    for (const connection of [...this.ctx.clients.values()]) {
      if (!predicate(clientInfo(connection))) continue;
      // The server closes without a DISCONNECT from the client: the will is published [MQTT-3.1.2-8].
      closeConnection(this.ctx, connection, { reasonCode, publishWill: true });
      count++;
    }
    return count;
  }

  /** Every connected client, for checks that read the database before deciding whom to disconnect. */
  connectedClientInfos(): ConnectedClientInfo[] {
    return [...this.ctx.clients.values()].map(clientInfo);
  }

  /** The tenant's console (issue 15): a page of clients, connected or with an offline session (client-views.ts). */
  listClients(filter: ClientFilter, maxJsonBytes?: number): ReturnType<typeof listClients> {
    return listClients(this.ctx, filter, maxJsonBytes);
  }

  /** One client with its subscriptions, or undefined when it has no session. */
  client(clientId: string, maxSubscriptions: number): ReturnType<typeof clientDetail> {
    return clientDetail(this.ctx, clientId, maxSubscriptions);
  }

  /** Disconnects a client (5.0: DISCONNECT 0x98 administrative action) and, with `clearSession`, discards its session. */
  kick(clientId: string, clearSession: boolean): KickOutcome {
    this.ctx.activity.wake();
    return kickClient(this.ctx, clientId, clearSession);
  }

  /** A page of retained messages matching a filter (retained-views.ts). */
  listRetained(page: Parameters<typeof listRetained>[1]): ReturnType<typeof listRetained> {
    return listRetained(this.ctx, page);
  }

  /** Clears a topic's retained message as an empty retained PUBLISH would; false when it had none. */
  deleteRetained(topic: string): boolean {
    this.ctx.activity.wake();
    return deleteRetained(this.ctx, topic);
  }

  get connectedClients(): number {
    return this.ctx.clients.size;
  }

  /** Counters and events since the last flush (issue 15: the tenant's metrics and event log). */
  get activity(): InstanceActivity {
    return this.ctx.activity;
  }

  /** What the instance refused or dropped to stay within its limits, by reason, since it was created. */
  get refusals(): RefusalCounts {
    return this.ctx.refusals.snapshot();
  }

  /** What the instance holds in memory now (for /metrics and the fuzzer): retained messages, subscriptions, sessions and their queues. */
  get usage(): InstanceUsage {
    const usage: InstanceUsage = {
      connections: this.ctx.connections.size,
      sessions: this.ctx.sessions.size,
      queuedMessages: 0,
      queuedBytes: 0,
      inflightMessages: 0,
      retainedMessages: this.ctx.retained.size,
      retainedBytes: this.ctx.retained.bytes,
      subscriptions: this.ctx.subscriptions.size,
    };
    for (const session of this.ctx.sessions.values()) {
      usage.queuedMessages += session.queue.length;
      usage.queuedBytes += session.queue.bytes;
      usage.inflightMessages += session.inflight.size;
    }
    return usage;
  }

  /** 5.0 clients get DISCONNECT 0x8B server shutting down; all sockets closed, timers stopped. Will messages are NOT published on server shutdown. */
  async close(): Promise<void> {
    this.ctx.closing = true;
    const streams: Duplex[] = [];
    for (const connection of [...this.ctx.connections]) {
      streams.push(connection.stream);
      connection.will = undefined;
      closeConnection(this.ctx, connection, { reasonCode: RC.serverShuttingDown, reasonString: 'server shutting down', publishWill: false });
    }
    stopSessionTimers(this.ctx);
    await Promise.all(streams.map(waitForClose));
  }
}
