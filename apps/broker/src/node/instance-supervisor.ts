import { In, type DataSource } from 'typeorm';
import { InstanceEntity } from '@mqc/db';
import { LISTENER_FAILURE, SERVED_STATUSES, nodeServes, type ChangeEvent } from '@mqc/domain';
import type { Logger } from '@mqc/observability';
import { CONNACK_5 } from '@mqc/auth';
import { chainFingerprint } from '../connect/load-chain';
import { tlsFingerprint } from '../listeners/tls-material';
import { revalidateClients } from './credential-revalidation';
import type { InstanceUsage } from '../protocol/instance-broker';
import type { RefusalCounts } from '../protocol/refusal-counters';
import { InstanceHost, type HostDeps } from './instance-host';
import { usedRevokedCredential } from './revocation-match';

export interface SupervisorOptions {
  /** How often a full resync repairs lost change events; 10 s unless a test wants it sooner. */
  resyncIntervalMs?: number;
}

const RESYNC_MS = 10_000;
/** An instance whose listeners could not be opened is tried again after 1 s, 2 s, 4 s … at most a minute. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

interface Retry {
  failures: number;
  at: number;
  timer: NodeJS.Timeout;
}

/**
 * Keeps this node's listeners in line with the database: opens the instances placed here,
 * closes the ones deleted or moved, reloads chains on change events, disconnects the clients of
 * revoked credentials. Work on one instance is serialised, so an open and a close never race.
 */
export class InstanceSupervisor {
  private readonly hosts = new Map<string, InstanceHost>();
  /** The chainFingerprint each host's chain was loaded at. */
  private readonly chainFingerprints = new Map<string, string>();
  /** The tlsFingerprint each host's TLS listener material was loaded at. */
  private readonly tlsFingerprints = new Map<string, string>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Instances this node could not serve, and when it tries again. */
  private readonly retries = new Map<string, Retry>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly nodeId: () => string,
    private readonly deps: HostDeps,
    private readonly logger: Logger,
    private readonly options: SupervisorOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.resync();
    const every = this.options.resyncIntervalMs ?? RESYNC_MS;
    this.timer = setInterval(() => void this.resync().catch((error: unknown) => this.logger.error({ err: error }, 'resync failed')), every);
    this.timer.unref();
  }

  /** Instance id → connected clients, for the heartbeat report. */
  report(): Record<string, { clients: number }> {
    return Object.fromEntries([...this.hosts].map(([id, host]) => [id, { clients: host.clients }]));
  }

  /** Instance id → what it refused or dropped to stay within its limits, by reason (for /metrics). */
  refusals(): Record<string, RefusalCounts> {
    return Object.fromEntries([...this.hosts].map(([id, host]) => [id, host.refusals]));
  }

  /** Instance id → what it holds in memory: sessions, queues, retained messages, subscriptions (for /metrics). */
  usage(): Record<string, InstanceUsage> {
    return Object.fromEntries([...this.hosts].map(([id, host]) => [id, host.broker.usage]));
  }

  get servedCount(): number {
    return this.hosts.size;
  }

  onChange(event: ChangeEvent): void {
    if (event.kind === 'credential-revoked') {
      const host = this.hosts.get(event.instanceId);
      const count = host?.broker.disconnectWhere(usedRevokedCredential(event.credential), CONNACK_5.notAuthorized) ?? 0;
      if (count) this.logger.info({ instanceId: event.instanceId, count }, 'disconnected clients whose credential was revoked');
      return;
    }
    if (event.kind === 'instance' || event.kind === 'chain') void this.reconcile(event.instanceId, true);
  }

  private async resync(): Promise<void> {
    const rows = await this.dataSource.getRepository(InstanceEntity).find({
      select: { id: true, status: true, statusReason: true },
      where: { nodeId: this.nodeId(), status: In([...SERVED_STATUSES, 'FAILED']) },
    });
    const wanted = new Set(rows.filter(nodeServes).map((r) => r.id));
    const all = new Set([...wanted, ...this.hosts.keys()]);
    await Promise.all([...all].map((id) => this.reconcile(id, false)));
    // A lost credential-revoked event: the clients' credentials are checked against the database.
    await Promise.all([...this.hosts.keys()].map((id) => this.serialised(id, () => this.revalidateNow(id), 'could not revalidate connected clients')));
  }

  private reconcile(instanceId: string, reloadChain: boolean): Promise<void> {
    return this.serialised(instanceId, () => this.reconcileNow(instanceId, reloadChain), 'could not apply instance state');
  }

  /** Serialises the work on one instance; stop() waits for what is queued. */
  private serialised(instanceId: string, work: () => Promise<void>, failure: string): Promise<void> {
    const previous = this.queues.get(instanceId) ?? Promise.resolve();
    const next = previous.then(work).catch((error: unknown) => this.logger.error({ instanceId, err: error }, failure));
    this.queues.set(instanceId, next);
    void next.then(() => {
      if (this.queues.get(instanceId) === next) this.queues.delete(instanceId);
    });
    return next;
  }

  private async revalidateNow(instanceId: string): Promise<void> {
    const host = this.hosts.get(instanceId);
    if (this.stopped || !host) return;
    const count = await revalidateClients(host.broker, this.dataSource, this.deps.secrets, instanceId);
    if (count) this.logger.info({ instanceId, count }, 'disconnected clients whose credential was revoked (found on resync)');
  }

  private async reconcileNow(instanceId: string, reloadChain: boolean): Promise<void> {
    if (this.stopped) return;
    // Read before the state the chain is built from: a change after it shows at the next resync.
    const fingerprint = await chainFingerprint(this.dataSource, instanceId);
    const tls = await tlsFingerprint(this.dataSource, instanceId);
    const instance = await this.dataSource.getRepository(InstanceEntity).findOneBy({ id: instanceId });
    const wanted = !!instance && instance.nodeId === this.nodeId() && nodeServes(instance);
    const host = this.hosts.get(instanceId);
    if (!wanted) this.forgetRetry(instanceId);
    if (wanted && !host) {
      // Backing off: the retry's own timer comes back, not every change event or resync.
      const retry = this.retries.get(instanceId);
      if (retry && Date.now() < retry.at) return;
      try {
        this.hosts.set(instanceId, await InstanceHost.open(instance, this.deps));
      } catch (error) {
        await this.openFailed(instanceId, error);
        return;
      }
      this.forgetRetry(instanceId);
      if (fingerprint) this.chainFingerprints.set(instanceId, fingerprint);
      if (tls) this.tlsFingerprints.set(instanceId, tls);
      this.logger.info({ instanceId, ports: [instance.mqttPort, instance.mqttsPort, instance.wsPort] }, 'serving instance');
    } else if (!wanted && host) {
      await this.closeHost(instanceId, host);
    } else if (wanted && host) {
      // On a change event, or when the resync finds the chain's rows changed (an event was lost).
      if (reloadChain || fingerprint !== this.chainFingerprints.get(instanceId)) {
        await host.reloadChain(instance);
        if (fingerprint) this.chainFingerprints.set(instanceId, fingerprint);
      }
      // The same for the TLS listener: mode, trusted CAs, server certificate.
      if (reloadChain || tls !== this.tlsFingerprints.get(instanceId)) {
        await host.reloadTls(instance);
        if (tls) this.tlsFingerprints.set(instanceId, tls);
      }
    }
  }

  /**
   * The instance is FAILED with the node's reason (told to the tenant, and to a provisioning
   * job, which stops waiting) and tried again with back-off; when its listeners open it is
   * RUNNING again (InstanceHost.open). The other instances of the node are not affected.
   */
  private async openFailed(instanceId: string, error: unknown): Promise<void> {
    const reason = `${LISTENER_FAILURE} ${error instanceof Error ? error.message : String(error)}`;
    const failures = (this.retries.get(instanceId)?.failures ?? 0) + 1;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
    this.forgetRetry(instanceId);
    const timer = setTimeout(() => {
      const due = this.retries.get(instanceId);
      if (due) due.at = 0;
      void this.reconcile(instanceId, false);
    }, delay);
    timer.unref();
    this.retries.set(instanceId, { failures, at: Date.now() + delay, timer });
    this.logger.warn({ instanceId, reason, failures, retryInMs: delay }, 'could not serve instance; will retry');
    await this.dataSource.query(
      `UPDATE instances SET status = 'FAILED', status_reason = $2, serving_at = NULL
        WHERE id = $1 AND node_id = $3 AND (status = ANY($4) OR (status = 'FAILED' AND starts_with(status_reason, $5)))`,
      [instanceId, reason, this.nodeId(), SERVED_STATUSES, LISTENER_FAILURE],
    );
  }

  private forgetRetry(instanceId: string): void {
    clearTimeout(this.retries.get(instanceId)?.timer);
    this.retries.delete(instanceId);
  }

  private async closeHost(instanceId: string, host: InstanceHost): Promise<void> {
    this.hosts.delete(instanceId);
    this.chainFingerprints.delete(instanceId);
    this.tlsFingerprints.delete(instanceId);
    await host.close();
    await this.dataSource.query('UPDATE instances SET serving_at = NULL WHERE id = $1 AND node_id = $2', [instanceId, this.nodeId()]);
    this.logger.info({ instanceId }, 'stopped serving instance');
  }

  /** Closes every instance's listeners; the rows keep their placement for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const id of [...this.retries.keys()]) this.forgetRetry(id);
    await Promise.allSettled([...this.queues.values()]);
    await Promise.allSettled([...this.hosts].map(([id, host]) => this.closeHost(id, host)));
  }
}
