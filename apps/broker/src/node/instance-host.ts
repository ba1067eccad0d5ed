import {
  CONNACK_5,
  connackCodeFor,
  editionAllowsType,
  FailedAuthThrottle,
  throttledConnackCode,
  type Admission,
  type AuthAttempt,
  type ChainDecision,
  type AuthorizationObserver,
  type ChainMetrics,
  type ConnectCredentials,
  type DenyReason,
  type ThrottleCause,
} from '@mqc/auth';
import { PskAuthenticator } from '@mqc/auth-drivers';
import type { InstanceEntity } from '@mqc/db';
import type { InstancePorts } from '@mqc/domain';
import { EDITIONS } from '@mqc/editions';
import type { Logger } from '@mqc/observability';
import type { DataSource } from 'typeorm';
import type { AuthenticatorDeps } from '../connect/authenticator-factory';
import type { InstanceChain } from '../connect/instance-chain';
import { loadAuthorization } from '../connect/load-authorization';
import { loadChain } from '../connect/load-chain';
import { loadPskKeys, PskKeyring } from '../connect/psk-keyring';
import type { ListenSite, Listener } from '../listeners/listener';
import { openTcpListener } from '../listeners/tcp-listener';
import { createTlsSite, openTlsListenerOn, type TlsListener, type TlsSite } from '../listeners/tls-listener';
import type { SharedTlsRoutes } from '../listeners/shared-tls-listener';
import { loadTlsMaterial, type MaterialRow } from '../listeners/tls-material';
import { openWsListener } from '../listeners/ws-listener';
import { DEFAULT_INSTANCE_LIMITS, InstanceBroker, type InstanceLimits } from '../protocol/instance-broker';
import type { FileDescriptorBudget } from './file-descriptors';
import type { InstanceState } from './instance-state';
import { THROTTLE_SWEEPER } from './throttle-sweeper';
import type { RefusalCounts } from '../protocol/refusal-counters';
import type { DurableStore } from '../persistence/durable-store';
import type { InstanceStore } from '../persistence/instance-store';

/** The WebSocket listener's frame bound: the largest packet any edition allows (the engine applies the instance's own). */
export const MAX_PACKET_SIZE = Math.max(...Object.values(EDITIONS).map((edition) => edition.limits.maxPacketSize));

/** Refusals the failed-CONNECT throttle counts (see FailedAuthThrottle). */
const CLIENT_FAILURES: ReadonlySet<DenyReason> = new Set<DenyReason>(['bad-credentials', 'not-authorized', 'bad-authentication-method']);

/**
 * The node serves the instance: a provisioned instance is RUNNING from that moment (SPEC 3; the
 * provisioning job waits for this), and one FAILED because its listeners could not be opened is
 * RUNNING again. Only while it is still placed here: one moved away meanwhile is the other
 * node's to mark served.
 */
export async function markServed(dataSource: DataSource, instanceId: string, nodeId: string | null): Promise<void> {
  await dataSource.query(
    `UPDATE instances SET serving_at = now(),
            status = CASE WHEN status = 'PROVISIONING' OR (status = 'FAILED' AND listeners_failed) THEN 'RUNNING' ELSE status END,
            status_reason = CASE WHEN listeners_failed OR status = 'PROVISIONING' THEN NULL ELSE status_reason END,
            listeners_failed = false
      WHERE id = $1 AND node_id = $2`,
    [instanceId, nodeId],
  );
}

/** The instance's own ports when it has all three (undefined: served on the shared endpoint only, or not allocated yet). */
function portsOf(instance: InstanceEntity): InstancePorts | undefined {
  const { mqttPort, mqttsPort, wsPort } = instance;
  return mqttPort && mqttsPort && wsPort ? { mqtt: mqttPort, mqtts: mqttsPort, ws: wsPort } : undefined;
}

/** The protocol defaults, with the edition's quotas and memory limits. */
export function limitsFor(instance: InstanceEntity): InstanceLimits {
  const { quotas, limits } = EDITIONS[instance.edition];
  return {
    ...DEFAULT_INSTANCE_LIMITS,
    maxConnections: quotas.maxConnections,
    messagesPerSecond: quotas.messagesPerSecond,
    maxPacketSize: limits.maxPacketSize,
    maxRetainedMessages: limits.retainedMessages,
    maxRetainedBytes: limits.retainedBytes,
    maxSubscriptionsPerClient: limits.subscriptionsPerClient,
    maxSubscriptionsPerInstance: limits.subscriptionsPerInstance,
    maxQueuedMessages: limits.queuedMessagesPerSession,
    maxQueuedBytes: limits.queuedBytesPerSession,
    maxSessions: limits.sessionsPerInstance,
    maxQueuedBytesPerInstance: limits.queuedBytesPerInstance,
    maxInflight: limits.inflightWindow,
    receiveMaximum: limits.inflightWindow,
    keepAliveMaxSeconds: limits.keepAliveMaxSeconds,
    maxSessionExpirySeconds: limits.sessionExpiryMaxSeconds,
  };
}

export interface HostDeps extends AuthenticatorDeps {
  dataSource: DataSource;
  bindHost: string;
  logger: Logger;
  metrics: ChainMetrics;
  /** Per-authorizer counters of this node (issue 13). */
  authorizerMetrics?: AuthorizationObserver;
  /** A CONNECT refused by the failed-CONNECT throttle, by cause (counted by the node). */
  onThrottled?: (cause: ThrottleCause) => void;
  /** Issue 14: the node's durable store; absent (unit tests), instances keep their state in memory only. */
  store?: DurableStore;
  /** The node's open-file budget: a CONNECT that would eat into its reserve is refused with 0x97. */
  fileDescriptors?: FileDescriptorBudget;
  /** The node's shared TLS endpoint (MQC_SHARED_TLS_PORT): each instance's TLS joins it while served. */
  sharedTls?: SharedTlsRoutes;
}

/**
 * One instance served by this node: its protocol engine, its chain and its three listeners
 * (none for an instance served on the node's shared TLS endpoint only, issue 16).
 * Everything of the instance lives here and nowhere else.
 */
export class InstanceHost {
  private listeners: Listener[] = [];
  /** The instance's own TLS listener; undefined for an instance served on the shared endpoint only. */
  private tls: TlsListener | undefined;
  /** The ports its own listeners listen on; undefined for an instance served on the shared endpoint only. */
  private ports: InstancePorts | undefined;
  /** The instance's TLS (its own listener's, or a shared-only instance's), joined to the node's shared endpoint. */
  private tlsSite: TlsSite | undefined;
  private chain: InstanceChain | undefined;
  /** The fingerprints of the rows the chain and the TLS material were loaded from, as their loaders read them. */
  private readonly loaded: { chain: string | undefined; tls: string | undefined; authorization: string | undefined } = { chain: undefined, tls: undefined, authorization: undefined };
  /** TLS-PSK keys for the TLS listener's handshakes (SPEC 4.6). */
  private readonly psk = new PskKeyring();
  /**
   * Per instance, so one tenant's password-guessing flood never throttles another's devices;
   * made on the first CONNECT and swept by the node's one sweeper (issue 16: nothing per idle instance).
   */
  private throttle: FailedAuthThrottle | undefined;
  readonly broker: InstanceBroker;
  /** The client count the heartbeat last reported (see takeClientsChange). */
  private reportedClients = -1;
  /** The edition's event log length (issue 15), followed on every chain reload (an edition change reloads it). */
  eventLogEntries: number;

  private constructor(
    readonly instanceId: string,
    private readonly deps: HostDeps,
    instance: InstanceEntity,
    private readonly durable: InstanceStore | undefined,
  ) {
    this.broker = new InstanceBroker({
      instanceId,
      limits: limitsFor(instance),
      // The engine binds the instance id itself (one child logger per instance, not two).
      logger: deps.logger,
      authenticate: (credentials) => this.authenticate(credentials),
      durability: durable,
    });
    this.eventLogEntries = EDITIONS[instance.edition].limits.eventLogEntries;
  }

  private throttleOf(): FailedAuthThrottle {
    if (this.throttle) return this.throttle;
    this.throttle = new FailedAuthThrottle({ maxSources: 10_000 });
    THROTTLE_SWEEPER.add(this.throttle);
    return this.throttle;
  }

  /**
   * The chain, behind the failed-CONNECT throttle: each CONNECT reserves one of its source's
   * failures before the chain runs, and a source that used them up, or has too many CONNECTs
   * in the chain at once, is refused (CONNACK 0x9F / 3, with the retry time) before any
   * authenticator spends CPU on it.
   */
  private async authenticate(credentials: ConnectCredentials): Promise<ChainDecision> {
    const descriptors = this.deps.fileDescriptors?.admit();
    if (descriptors && !descriptors.admitted) return this.outOfDescriptors(credentials, descriptors.firstRefusal);
    const admission = this.throttleOf().admit(credentials.peerHost);
    if (!admission.admitted) return this.throttled(credentials, admission);
    const { attempt } = admission;
    let decision: ChainDecision;
    try {
      if (!this.chain) throw new Error('the chain is not loaded');
      decision = await this.chain.authenticate(credentials);
    } catch (error) {
      attempt.giveBack();
      throw error;
    }
    // A client whose certificate chain the TLS listener verified, and that sent no secret to
    // guess, is refused for the certificate's status or identity: not a guessing attempt.
    if (credentials.certificate && credentials.password === undefined && !credentials.authenticationMethod) {
      attempt.giveBack();
      return decision;
    }
    return this.settle(decision, attempt, credentials);
  }

  /** The node is near its open-file limit: refused before the chain, logged once per episode. */
  private outOfDescriptors(credentials: ConnectCredentials, firstRefusal: boolean): ChainDecision {
    const budget = this.deps.fileDescriptors;
    if (firstRefusal && budget) {
      this.deps.logger.warn(
        { instanceId: this.instanceId, clientId: credentials.clientId, limit: budget.limit, reserve: budget.reserve, inUse: budget.inUse },
        'CONNECT refused: the node is at its open-file limit (RLIMIT_NOFILE) less the reserve; raise the limit (ulimit -n) or move instances',
      );
    }
    return { kind: 'deny', reason: 'quota-exceeded', connackCode: connackCodeFor('quota-exceeded', credentials.protocolVersion), message: 'the broker node has no file descriptors to spare' };
  }

  private throttled(credentials: ConnectCredentials, refusal: Extract<Admission, { admitted: false }>): ChainDecision {
    const seconds = Math.ceil(refusal.retryAfterMs / 1000);
    const why = refusal.cause === 'blocked' ? 'too many failed CONNECTs from this address' : 'too many CONNECTs from this address at once';
    this.deps.onThrottled?.(refusal.cause);
    if (refusal.firstRefusal) {
      this.deps.logger.info({ instanceId: this.instanceId, source: credentials.peerHost, clientId: credentials.clientId, cause: refusal.cause, retryInSeconds: seconds }, 'CONNECT throttled');
    }
    return { kind: 'deny', reason: 'server-unavailable', connackCode: throttledConnackCode(credentials.protocolVersion), message: `${why}; retry in ${seconds} s`, throttled: true };
  }

  /**
   * Only refusals of what the client presented keep the attempt spent (an unsupported
   * enhanced-auth method too, or a flood of them would run the chain unthrottled); a backend
   * failure is not the client's. An enhanced authentication (SCRAM) leaves the chain while it
   * waits for the client and is settled when its exchange ends (abandoned, it stays spent).
   */
  private settle(decision: ChainDecision, attempt: AuthAttempt, credentials: ConnectCredentials): ChainDecision {
    attempt.leaveChain();
    if (decision.kind === 'continue') {
      return {
        ...decision,
        next: async (data) => {
          try {
            return this.settle(await decision.next(data), attempt, credentials);
          } catch (error) {
            attempt.giveBack();
            throw error;
          }
        },
      };
    }
    if (decision.kind !== 'deny' || !CLIENT_FAILURES.has(decision.reason)) {
      attempt.giveBack();
      return decision;
    }
    const verdict = attempt.fail();
    if (verdict.throttled) {
      this.deps.logger.info(
        { instanceId: this.instanceId, source: credentials.peerHost, clientId: credentials.clientId, retryInSeconds: Math.ceil(verdict.retryAfterMs / 1000) },
        'source blocked after too many failed CONNECTs',
      );
    }
    return decision;
  }

  /**
   * Loads the instance's durable state (issue 14: sessions, queued and retained messages, as
   * its last node left them) and the chain, opens the listeners and tells the database the
   * instance is served. Nothing is accepted before the state is back.
   */
  static async open(state: InstanceState, deps: HostDeps): Promise<InstanceHost> {
    const { instance } = state;
    const loaded = await deps.store?.loadInstanceState(instance.id);
    const host = new InstanceHost(instance.id, deps, instance, loaded?.store);
    try {
      if (loaded !== undefined) {
        host.broker.restore(loaded.state);
        deps.logger.info({ instanceId: instance.id, sessions: loaded.state.sessions.length, retained: loaded.state.retained.length }, 'durable state loaded');
      }
      await host.reloadChain({ instance, fingerprint: state.fingerprints.chain });
      await host.reloadAuthorization({ instance, fingerprint: state.fingerprints.authorization });
      await host.openListeners(instance, { row: state.tlsRow, fingerprint: state.fingerprints.tls });
    } catch (error) {
      await host.close();
      throw error;
    }
    await markServed(deps.dataSource, instance.id, instance.nodeId);
    return host;
  }

  /**
   * The instance's TLS site, joined to the node's shared endpoint, and its three listeners, or
   * (issue 16) none for an instance without ports: its edition is served on the node's shared
   * TLS endpoint only (mqtts and wss by server name).
   */
  private async openListeners(instance: InstanceEntity, tls: { row: MaterialRow; fingerprint: string | undefined }): Promise<void> {
    const ports = portsOf(instance);
    if (!ports && !this.deps.sharedTls) throw new Error(`instance ${instance.id} has no ports and this node has no shared TLS endpoint (MQC_SHARED_TLS_PORT)`);
    if (!ports && (instance.mqttPort || instance.mqttsPort || instance.wsPort)) throw new Error(`instance ${instance.id} has no ports yet`);
    const { material, fingerprint } = await loadTlsMaterial(this.deps.dataSource, this.deps.secrets, this.instanceId, this.deps.logger, tls);
    const psk = this.psk;
    this.loaded.tls = fingerprint;
    this.tlsSite = createTlsSite(this.broker, this.instanceId, material, psk, MAX_PACKET_SIZE);
    this.deps.sharedTls?.add(this.instanceId, this.tlsSite);
    if (ports) await this.openOwnListeners(ports);
  }

  /** The three listeners on the instance's own ports (TCP, TLS with wss, WebSocket); none stays open when one cannot. */
  private async openOwnListeners(ports: InstancePorts): Promise<void> {
    try {
      this.listeners.push(await openTcpListener(this.broker, this.site('tcp', ports.mqtt)));
      this.tls = await openTlsListenerOn(this.tlsSite!, this.site('tls', ports.mqtts));
      this.listeners.push(this.tls);
      this.listeners.push(await openWsListener(this.broker, this.site('ws', ports.ws), MAX_PACKET_SIZE));
      this.ports = ports;
    } catch (error) {
      await this.closeOwnListeners();
      throw error;
    }
  }

  /** Closes the instance's own ports and the connections they carry; the shared endpoint keeps serving it. */
  private async closeOwnListeners(): Promise<void> {
    await Promise.allSettled(this.listeners.map((l) => l.close()));
    this.listeners = [];
    this.tls = undefined;
    this.ports = undefined;
  }

  /**
   * Issue 16: an edition change gave the instance ports of its own (its listeners open) or took
   * them (its listeners close and the clients connected through them are disconnected; those
   * on the shared endpoint stay). A failure to open leaves it on the shared endpoint and throws.
   */
  async updateEndpoints(instance: InstanceEntity): Promise<boolean> {
    const wanted = portsOf(instance);
    const same = wanted === undefined ? this.ports === undefined : this.ports !== undefined && wanted.mqtt === this.ports.mqtt && wanted.mqtts === this.ports.mqtts && wanted.ws === this.ports.ws;
    if (same) return false;
    if (!wanted && !this.deps.sharedTls) throw new Error(`instance ${instance.id} has no ports and this node has no shared TLS endpoint (MQC_SHARED_TLS_PORT)`);
    const before = this.ports;
    if (before) await this.closeOwnListeners();
    if (wanted) await this.openOwnListeners(wanted);
    this.deps.logger.info({ instanceId: this.instanceId, ports: wanted ?? null, previousPorts: before ?? null }, 'instance endpoints moved');
    return true;
  }

  /** A listener's errors once it listens (an accept failing for want of file descriptors) are logged; the listener goes on. */
  private site(transport: 'tcp' | 'tls' | 'ws', port: number): ListenSite {
    return { host: this.deps.bindHost, port, onError: (error) => this.deps.logger.warn({ instanceId: this.instanceId, transport, port, err: error }, 'listener error') };
  }

  /**
   * SPEC 4.2: the X.509 mode, the trusted CAs and the server certificate apply to the next TLS
   * handshakes, live; clients whose CA stopped being trusted are disconnected.
   */
  async reloadTls(): Promise<void> {
    if (!this.tlsSite) return;
    const { material, fingerprint } = await loadTlsMaterial(this.deps.dataSource, this.deps.secrets, this.instanceId, this.deps.logger);
    const { untrustedSerials } = this.tls ? this.tls.update(material) : this.tlsSite.update(material);
    this.loaded.tls = fingerprint;
    if (untrustedSerials.size > 0) {
      const count = this.broker.disconnectWhere((c) => c.certificateSerial !== undefined && untrustedSerials.has(c.certificateSerial), CONNACK_5.notAuthorized);
      this.deps.logger.info({ instanceId: this.instanceId, count }, 'disconnected clients whose CA is no longer trusted');
    }
  }

  /** A new chain or policy applies to the next CONNECT; connected clients stay. `known`: the row and fingerprint the caller read (opening). */
  async reloadChain(known?: { instance: InstanceEntity; fingerprint: string | undefined }): Promise<void> {
    const { chain: next, instance, fingerprint } = await loadChain(this.instanceId, this.deps, this.deps.metrics, known);
    const previous = this.chain;
    this.chain = next;
    this.broker.updateLimits(limitsFor(instance));
    this.eventLogEntries = EDITIONS[instance.edition].limits.eventLogEntries;
    this.reloadPsk(await this.pskKeys(instance, next));
    this.loaded.chain = fingerprint;
    await previous?.close();
  }

  /**
   * Issue 13: a new authorization chain, rule list or policy applies to every connected client
   * from its next check (each recompiles lazily), so a revoked rule stops live subscriptions.
   */
  async reloadAuthorization(known?: { instance: InstanceEntity; fingerprint: string | undefined }): Promise<void> {
    const { authorization, fingerprint } = await loadAuthorization(this.deps.dataSource, this.instanceId, this.deps.logger, this.deps.authorizerMetrics, this.deps, known);
    const previous = this.broker.authorization;
    this.broker.updateAuthorization(authorization);
    this.loaded.authorization = fingerprint;
    // The replaced backend authorizers' connections: undici lets requests in flight finish.
    await Promise.allSettled(previous.authorizers.map((a) => (a.type === 'backend' ? a.close?.() : undefined)));
  }

  /**
   * The fingerprints of what the chain (with the PSK keys) and the TLS material were loaded
   * from: the supervisor's resync reloads what no longer matches the database.
   */
  get fingerprints(): { readonly chain: string | undefined; readonly tls: string | undefined; readonly authorization: string | undefined } {
    return { ...this.loaded };
  }

  /** The registry's identities (platinum only: the edition gate again) and the psk authenticator's own. */
  private async pskKeys(instance: InstanceEntity, chain: InstanceChain): Promise<Map<string, Buffer>> {
    if (!editionAllowsType(instance.edition, 'psk')) return new Map();
    const keys = await loadPskKeys(this.deps.dataSource, this.deps.secrets, instance.id);
    for (const authenticator of chain.authenticators) {
      if (!(authenticator instanceof PskAuthenticator)) continue;
      for (const [identity, hex] of Object.entries(authenticator.inlineIdentities)) if (!keys.has(identity)) keys.set(identity, Buffer.from(hex, 'hex'));
    }
    return keys;
  }

  /**
   * SPEC 4.6: new PSK keys apply to the next TLS handshakes (the listener offers PSK suites
   * while there are any); clients whose identity was removed or whose key changed are
   * disconnected.
   */
  private reloadPsk(keys: Map<string, Buffer>): void {
    const changed = this.psk.replace(keys);
    if (this.tls) this.tls.refreshPsk();
    else this.tlsSite?.refreshPsk();
    const count = this.broker.disconnectWhere((c) => c.pskIdentity !== undefined && changed(c.pskIdentity), CONNACK_5.notAuthorized);
    if (count > 0) this.deps.logger.info({ instanceId: this.instanceId, count }, 'disconnected clients whose PSK identity was removed or changed');
  }

  get clients(): number {
    return this.broker.connectedClients;
  }

  /** Whether the client count moved since the last call (the heartbeat report is made again only then). */
  takeClientsChange(): boolean {
    const clients = this.broker.connectedClients;
    if (clients === this.reportedClients) return false;
    this.reportedClients = clients;
    return true;
  }

  /** What the instance refused or dropped to stay within its limits, by reason. */
  get refusals(): RefusalCounts {
    return this.broker.refusals;
  }

  async close(): Promise<void> {
    if (this.throttle) THROTTLE_SWEEPER.remove(this.throttle);
    if (this.tlsSite) this.deps.sharedTls?.remove(this.instanceId, this.tlsSite);
    await this.closeOwnListeners();
    // The site is the host's (its own listener only borrows it): the shared endpoint's sockets and the wss endpoint go here.
    if (this.tlsSite) {
      this.tlsSite.destroySockets();
      await this.tlsSite.close();
    }
    this.tlsSite = undefined;
    const authorization = this.broker.authorization;
    await this.broker.close();
    if (this.durable !== undefined) await this.deps.store?.closeInstance(this.durable);
    await this.chain?.close();
    this.chain = undefined;
    await Promise.allSettled(authorization.authorizers.map((a) => (a.type === 'backend' ? a.close?.() : undefined)));
  }
}
