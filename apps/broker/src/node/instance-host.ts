import { FailedAuthThrottle, throttledConnackCode, type ChainDecision, type ChainMetrics, type ConnectCredentials } from '@mqc/auth';
import type { InstanceEntity } from '@mqc/db';
import { EDITIONS } from '@mqc/editions';
import type { Logger } from '@mqc/observability';
import type { DataSource } from 'typeorm';
import type { AuthenticatorDeps } from '../connect/authenticator-factory';
import type { InstanceChain } from '../connect/instance-chain';
import { loadChain } from '../connect/load-chain';
import type { Listener } from '../listeners/listener';
import { openTcpListener } from '../listeners/tcp-listener';
import { openTlsListener } from '../listeners/tls-listener';
import { openWsListener } from '../listeners/ws-listener';
import { InstanceBroker, type InstanceLimits } from '../protocol/instance-broker';
import { SECRET_CONTEXT } from '@mqc/domain';

export const MAX_PACKET_SIZE = 1024 * 1024;

export function limitsFor(instance: InstanceEntity): InstanceLimits {
  const quotas = EDITIONS[instance.edition].quotas;
  return {
    maxConnections: quotas.maxConnections,
    messagesPerSecond: quotas.messagesPerSecond,
    maxPacketSize: MAX_PACKET_SIZE,
    connectTimeoutMs: 10_000,
    maxTopicLength: 1024,
    maxTopicLevels: 64,
    receiveMaximum: 64,
    maxInflight: 64,
    maxQueuedMessages: 1000,
    maxSessionExpirySeconds: 7 * 24 * 3600,
  };
}

export interface HostDeps extends AuthenticatorDeps {
  dataSource: DataSource;
  bindHost: string;
  logger: Logger;
  metrics: ChainMetrics;
}

/**
 * One instance served by this node: its protocol engine, its chain and its three listeners.
 * Everything of the instance lives here and nowhere else.
 */
export class InstanceHost {
  private listeners: Listener[] = [];
  private chain: InstanceChain | undefined;
  /** Per instance, so one tenant's password-guessing flood never throttles another's devices. */
  private readonly throttle = new FailedAuthThrottle({ maxSources: 10_000 });
  private readonly sweeper: NodeJS.Timeout;
  readonly broker: InstanceBroker;

  private constructor(
    readonly instanceId: string,
    private readonly deps: HostDeps,
    instance: InstanceEntity,
  ) {
    this.broker = new InstanceBroker({
      instanceId,
      limits: limitsFor(instance),
      logger: deps.logger.child({ instanceId }),
      authenticate: (credentials) => this.authenticate(credentials),
    });
    this.sweeper = setInterval(() => this.throttle.sweep(), 60_000);
    this.sweeper.unref();
  }

  /**
   * The chain, behind the failed-CONNECT throttle: a source that keeps failing is refused
   * (CONNACK 0x9F / 3) before any authenticator spends CPU on it.
   */
  private async authenticate(credentials: ConnectCredentials): Promise<ChainDecision> {
    const verdict = this.throttle.check(credentials.peerHost);
    if (verdict.throttled) {
      return {
        kind: 'deny',
        reason: 'server-unavailable',
        connackCode: throttledConnackCode(credentials.protocolVersion),
        message: `too many failed CONNECTs from this address; retry in ${Math.ceil(verdict.retryAfterMs / 1000)} s`,
      };
    }
    if (!this.chain) throw new Error('the chain is not loaded');
    const decision = await this.chain.authenticate(credentials);
    // Only refusals of the client's credentials count; a backend failure is not the client's.
    if (decision.kind === 'deny' && (decision.reason === 'bad-credentials' || decision.reason === 'not-authorized')) {
      this.throttle.recordFailure(credentials.peerHost);
    }
    return decision;
  }

  /** Loads the chain, opens the listeners and tells the database the instance is served. */
  static async open(instance: InstanceEntity, deps: HostDeps): Promise<InstanceHost> {
    const host = new InstanceHost(instance.id, deps, instance);
    try {
      await host.reloadChain(instance);
      await host.openListeners(instance);
    } catch (error) {
      await host.close();
      throw error;
    }
    await deps.dataSource.query('UPDATE instances SET serving_at = now() WHERE id = $1', [instance.id]);
    return host;
  }

  private async openListeners(instance: InstanceEntity): Promise<void> {
    const { mqttPort, mqttsPort, wsPort } = instance;
    if (!mqttPort || !mqttsPort || !wsPort) throw new Error(`instance ${instance.id} has no ports yet`);
    const { bindHost } = this.deps;
    this.listeners.push(await openTcpListener(this.broker, bindHost, mqttPort));
    const tls = await this.tlsMaterial(instance.id);
    this.listeners.push(await openTlsListener(this.broker, bindHost, mqttsPort, tls));
    this.listeners.push(await openWsListener(this.broker, bindHost, wsPort, MAX_PACKET_SIZE));
  }

  private async tlsMaterial(instanceId: string): Promise<{ certPem: string; keyPem: string; caPem: string }> {
    const rows: { server_cert_pem: string | null; server_key_sealed: string | null; ca_cert_pem: string | null }[] = await this.deps.dataSource.query(
      'SELECT server_cert_pem, server_key_sealed, ca_cert_pem FROM instances WHERE id = $1',
      [instanceId],
    );
    const row = rows[0];
    if (!row?.server_cert_pem || !row.server_key_sealed || !row.ca_cert_pem) throw new Error(`instance ${instanceId} has no server certificate yet`);
    return { certPem: row.server_cert_pem, keyPem: this.deps.secrets.openText(row.server_key_sealed, SECRET_CONTEXT.instanceServerKey(instanceId)), caPem: row.ca_cert_pem };
  }

  /** A new chain or policy applies to the next CONNECT; connected clients stay. */
  async reloadChain(instance: InstanceEntity): Promise<void> {
    const next = await loadChain(instance, this.deps, this.deps.metrics);
    const previous = this.chain;
    this.chain = next;
    this.broker.updateLimits(limitsFor(instance));
    await previous?.close();
  }

  get clients(): number {
    return this.broker.connectedClients;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled(this.listeners.map((l) => l.close()));
    this.listeners = [];
    await this.broker.close();
    await this.chain?.close();
    this.chain = undefined;
  }
}
