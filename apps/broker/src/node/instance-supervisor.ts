import { In, type DataSource } from 'typeorm';
import { InstanceEntity } from '@mqc/db';
import { SERVED_STATUSES, listenerFailureReason, nodeServes, type ChangeEvent } from '@mqc/domain';
import type { Logger } from '@mqc/observability';
import { CONNACK_5 } from '@mqc/auth';
import { authorizationFingerprints } from '../connect/load-authorization';
import { chainFingerprints } from '../connect/load-chain';
import { tlsFingerprints } from '../listeners/tls-material';
import { revalidateClients } from './credential-revalidation';
import type { InstanceBroker, InstanceUsage } from '../protocol/instance-broker';
import type { RefusalCounts } from '../protocol/refusal-counters';
import { InstanceHost, markServed, type HostDeps } from './instance-host';
import { readInstanceState } from './instance-state';
import { usedRevokedCredential } from './revocation-match';

export interface SupervisorOptions {
  /** How often the node asks PostgreSQL which instances changed (one query); 10 s unless a test wants it sooner. */
  resyncIntervalMs?: number;
  /**
   * How often the full comparison runs (every instance's rows against what the node loaded, every
   * client's credential): it repairs what changed in the database without the write path (by
   * hand, a restore). 5 minutes unless a test wants it sooner.
   */
  fullSweepIntervalMs?: number;
}

const RESYNC_MS = 10_000;
const FULL_SWEEP_MS = 5 * 60_000;

/** One row of the revision query: an instance changed by a transaction at or after the horizon. */
interface ChangedInstance {
  id: string;
  revision: string;
  nodeId: string | null;
}
/** An instance whose listeners could not be opened is tried again after 1 s, 2 s, 4 s … at most a minute. */
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

interface Retry {
  failures: number;
  at: number;
  timer: NodeJS.Timeout;
}

/** What the supervisor keeps about one instance; dropped when none of it is left. */
interface InstanceEntry {
  /** Its engine and listeners, while this node serves it. */
  host?: InstanceHost;
  /** The work on it, serialised (see serialised()). */
  queue?: Promise<void>;
  /** Its listeners could not be opened: when it is tried again. */
  retry?: Retry;
}

/**
 * Keeps this node's listeners in line with the database: opens the instances placed here,
 * closes the ones deleted or moved, reloads chains on change events, disconnects the clients of
 * revoked credentials. Work on one instance is serialised, so an open and a close never race.
 */
export class InstanceSupervisor {
  private readonly instances = new Map<string, InstanceEntry>();
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The oldest transaction that was still running when the node last asked what changed. */
  private horizon = '0';
  /** The revision of each instance the node last reconciled on a revision (it is seen again until the horizon passes it). */
  private readonly reconciledRevisions = new Map<string, string>();
  /** See hosts(). */
  private servedList: readonly [string, InstanceHost][] | undefined;
  /** The last heartbeat report (see report()). */
  private reportText: string | undefined;
  /** Queries the resyncs ran, by kind (the density bench and the tests read them). */
  readonly resyncQueries = { changes: 0, fullSweeps: 0 };

  constructor(
    private readonly dataSource: DataSource,
    private readonly nodeId: () => string,
    private readonly deps: HostDeps,
    private readonly logger: Logger,
    private readonly options: SupervisorOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.fullSweep();
    const every = this.options.resyncIntervalMs ?? RESYNC_MS;
    this.timer = setInterval(() => void this.resyncChanges().catch((error: unknown) => this.logger.error({ err: error }, 'resync failed')), every);
    this.timer.unref();
    const sweepEvery = this.options.fullSweepIntervalMs ?? FULL_SWEEP_MS;
    this.sweepTimer = setInterval(() => void this.fullSweep().catch((error: unknown) => this.logger.error({ err: error }, 'full resync failed')), sweepEvery);
    this.sweepTimer.unref();
  }

  /** The instances served here, with their hosts: made again only when one is opened or closed (the flusher reads it every second). */
  private hosts(): readonly [string, InstanceHost][] {
    if (this.servedList) return this.servedList;
    const served: [string, InstanceHost][] = [];
    for (const [id, entry] of this.instances) if (entry.host) served.push([id, entry.host]);
    this.servedList = served;
    return served;
  }

  private setHost(entry: InstanceEntry, host: InstanceHost | undefined): void {
    entry.host = host;
    this.servedList = undefined;
    this.reportText = undefined;
  }

  private entry(instanceId: string): InstanceEntry {
    let entry = this.instances.get(instanceId);
    if (!entry) this.instances.set(instanceId, (entry = {}));
    return entry;
  }

  /** Drops the entry of an instance the supervisor no longer serves, waits for or retries. */
  private prune(instanceId: string): void {
    const entry = this.instances.get(instanceId);
    if (entry && !entry.host && !entry.queue && !entry.retry) this.instances.delete(instanceId);
  }

  /** The hosts served now, by instance id (the activity flusher reads their counters). */
  served(): readonly [string, InstanceHost][] {
    return this.hosts();
  }

  /**
   * Instance id → connected clients, for the heartbeat report, as JSON: the same string while
   * nothing changed (no instance opened or closed, no client count moved), so the node writes it
   * only when it changed (issue 16: 10,000 instances made a 550 KB report every 2 s).
   */
  report(): string {
    let changed = this.reportText === undefined;
    for (const [, host] of this.hosts()) if (host.takeClientsChange()) changed = true;
    if (changed) this.reportText = JSON.stringify(Object.fromEntries(this.hosts().map(([id, host]) => [id, { clients: host.clients }])));
    return this.reportText!;
  }

  /** Connected clients on this node. */
  get clients(): number {
    let clients = 0;
    for (const [, host] of this.hosts()) clients += host.clients;
    return clients;
  }

  /** Instance id → what it refused or dropped to stay within its limits, by reason (for /metrics). */
  refusals(): Record<string, RefusalCounts> {
    return Object.fromEntries(this.hosts().map(([id, host]) => [id, host.refusals]));
  }

  /** Instance id → what it holds in memory: sessions, queues, retained messages, subscriptions (for /metrics). */
  usage(): Record<string, InstanceUsage> {
    return Object.fromEntries(this.hosts().map(([id, host]) => [id, host.broker.usage]));
  }

  /** The engine of an instance served here, or undefined when this node does not serve it. */
  brokerOf(instanceId: string): InstanceBroker | undefined {
    return this.instances.get(instanceId)?.host?.broker;
  }

  get servedCount(): number {
    return this.hosts().length;
  }

  onChange(event: ChangeEvent): void {
    if (event.kind === 'credential-revoked') {
      const host = this.instances.get(event.instanceId)?.host;
      const count = host?.broker.disconnectWhere(usedRevokedCredential(event.credential), CONNACK_5.notAuthorized) ?? 0;
      if (count) this.logger.info({ instanceId: event.instanceId, count }, 'disconnected clients whose credential was revoked');
      return;
    }
    // A chain event reloads the chain; an instance event (placement, status, edition, ports)
    // reloads what the fingerprints say changed: a status flip to RUNNING reloads nothing.
    if (event.kind === 'instance' || event.kind === 'chain') void this.reconcile(event.instanceId, event.kind === 'chain');
    if (event.kind === 'authorization') void this.serialised(event.instanceId, () => this.reloadAuthorizationNow(event.instanceId), 'could not reload authorization');
  }

  private async reloadAuthorizationNow(instanceId: string): Promise<void> {
    const host = this.instances.get(instanceId)?.host;
    if (this.stopped || !host) return;
    await host.reloadAuthorization();
  }

  /**
   * Repairs lost change events at the cost of what changed: one query returns the instances
   * whose revision is at or above the horizon (the oldest transaction running at the last ask,
   * so a change committed late is not skipped), with the next horizon. Only those this node
   * serves or should serve are compared with what it loaded and have their clients' credentials
   * checked; an idle fleet costs one query per interval.
   */
  private async resyncChanges(): Promise<void> {
    if (this.stopped) return;
    this.resyncQueries.changes++;
    const [row] = (await this.dataSource.query(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon,
              COALESCE((SELECT json_agg(json_build_object('id', id, 'revision', revision::text, 'nodeId', node_id))
                          FROM instances WHERE revision >= $1::bigint), '[]'::json) AS changed`,
      [this.horizon],
    )) as { horizon: string; changed: ChangedInstance[] }[];
    if (!row) return;
    const nodeId = this.nodeId();
    const due = row.changed.filter((c) => (c.nodeId === nodeId || this.instances.has(c.id)) && this.reconciledRevisions.get(c.id) !== c.revision);
    this.horizon = row.horizon;
    await Promise.all(
      due.map(async (changed) => {
        await this.reconcile(changed.id, false);
        await this.serialised(changed.id, () => this.revalidateNow([changed.id]), 'could not revalidate connected clients');
        this.reconciledRevisions.set(changed.id, changed.revision);
      }),
    );
    for (const id of this.reconciledRevisions.keys()) if (!this.instances.has(id)) this.reconciledRevisions.delete(id);
  }

  /**
   * The full comparison, at start and as a slow background sweep: every instance placed here or
   * served here against the rows it was loaded from (fingerprints, one query per kind for all of
   * them), and every connected client's credential, in one batch for all instances (a lost
   * credential-revoked event).
   */
  private async fullSweep(): Promise<void> {
    if (this.stopped) return;
    this.resyncQueries.fullSweeps++;
    // Taken first: whatever commits from now on is also seen by the next revision query.
    const [{ horizon }] = (await this.dataSource.query('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon')) as [{ horizon: string }];
    const rows = await this.dataSource.getRepository(InstanceEntity).find({
      select: { id: true, status: true, listenersFailed: true },
      where: { nodeId: this.nodeId(), status: In([...SERVED_STATUSES, 'FAILED']) },
    });
    const wanted = new Set(rows.filter(nodeServes).map((r) => r.id));
    // Issue 16: what each served instance was loaded from, in three queries for all of them; only
    // an instance to open or close, or whose rows changed, is reconciled (its own queries).
    const served = this.hosts().filter(([id]) => wanted.has(id));
    const ids = served.map(([id]) => id);
    const [chains, tls, authorizations] = await Promise.all([chainFingerprints(this.dataSource, ids), tlsFingerprints(this.dataSource, ids), authorizationFingerprints(this.dataSource, ids)]);
    const due = new Set([...wanted, ...this.hosts().map(([id]) => id)]);
    for (const [id, host] of served) {
      const loaded = host.fingerprints;
      if (chains.get(id) === loaded.chain && tls.get(id) === loaded.tls && authorizations.get(id) === loaded.authorization) due.delete(id);
    }
    await Promise.all([...due].map((id) => this.reconcile(id, false)));
    if (this.horizon === '0') this.horizon = horizon;
    await this.revalidateNow(this.hosts().map(([id]) => id));
  }

  private reconcile(instanceId: string, reloadChain: boolean): Promise<void> {
    return this.serialised(instanceId, () => this.reconcileNow(instanceId, reloadChain), 'could not apply instance state');
  }

  /** Serialises the work on one instance; stop() waits for what is queued. */
  private serialised(instanceId: string, work: () => Promise<void>, failure: string): Promise<void> {
    const entry = this.entry(instanceId);
    const next = (entry.queue ?? Promise.resolve()).then(work).catch((error: unknown) => this.logger.error({ instanceId, err: error }, failure));
    entry.queue = next;
    void next.then(() => {
      const current = this.instances.get(instanceId);
      if (current?.queue !== next) return;
      current.queue = undefined;
      this.prune(instanceId);
    });
    return next;
  }

  /** Checks the connected clients' credentials of these instances against the database, in one batch. */
  private async revalidateNow(instanceIds: readonly string[]): Promise<void> {
    if (this.stopped) return;
    const brokers = new Map<string, InstanceBroker>();
    for (const id of instanceIds) {
      const host = this.instances.get(id)?.host;
      if (host) brokers.set(id, host.broker);
    }
    const counts = await revalidateClients(brokers, this.dataSource, this.deps.secrets);
    for (const [instanceId, count] of counts) this.logger.info({ instanceId, count }, 'disconnected clients whose credential was revoked (found on resync)');
  }

  private async reconcileNow(instanceId: string, reloadChain: boolean): Promise<void> {
    if (this.stopped) return;
    const state = await readInstanceState(this.dataSource, instanceId);
    const instance = state?.instance;
    const wanted = !!instance && instance.nodeId === this.nodeId() && nodeServes(instance);
    const entry = this.entry(instanceId);
    const { host } = entry;
    if (!wanted) this.forgetRetry(instanceId);
    if (wanted && !host) {
      // Backing off: the retry's own timer comes back, not every change event or resync.
      if (entry.retry && Date.now() < entry.retry.at) return;
      try {
        this.setHost(entry, await InstanceHost.open(state, this.deps));
      } catch (error) {
        await this.openFailed(instanceId, error);
        return;
      }
      this.forgetRetry(instanceId);
      this.logger.info({ instanceId, ports: [instance.mqttPort, instance.mqttsPort, instance.wsPort] }, 'serving instance');
    } else if (!wanted && host) {
      await this.closeHost(instanceId, host);
      // Issue 14: a deleted instance's sessions and retained messages go with it (a moved one keeps them for its next node).
      if (!instance || instance.status === 'DELETING' || instance.status === 'DELETED') await this.purgeStored(instanceId);
    } else if (wanted && host) {
      // Issue 16: an edition change gave the instance ports of its own or took them.
      if (entry.retry && Date.now() < entry.retry.at) return;
      try {
        const moved = await host.updateEndpoints(instance);
        if (moved || instance.listenersFailed) await markServed(this.dataSource, instanceId, instance.nodeId);
        this.forgetRetry(instanceId);
      } catch (error) {
        await this.openFailed(instanceId, error);
        return;
      }
      // On a change event, or when the resync finds the chain's rows changed since the host
      // loaded them (an event was lost); each loader read the fingerprint it loaded at.
      // The fingerprints came with the row (readInstanceState), one query for the three.
      if (reloadChain || state.fingerprints.chain !== host.fingerprints.chain) await host.reloadChain();
      // The same for the TLS listener: mode, trusted CAs, server certificate.
      if (reloadChain || state.fingerprints.tls !== host.fingerprints.tls) await host.reloadTls();
      // The same for the authorization chain, its rules and policy (issue 13).
      if (reloadChain || state.fingerprints.authorization !== host.fingerprints.authorization) await host.reloadAuthorization();
    }
  }

  /**
   * The instance is FAILED with the node's reason (told to the tenant, and to a provisioning
   * job, which stops waiting) and tried again with back-off; when its listeners open it is
   * RUNNING again (InstanceHost.open). The other instances of the node are not affected.
   */
  private async openFailed(instanceId: string, error: unknown): Promise<void> {
    const reason = listenerFailureReason(error);
    const failures = (this.instances.get(instanceId)?.retry?.failures ?? 0) + 1;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
    this.forgetRetry(instanceId);
    const timer = setTimeout(() => {
      const due = this.instances.get(instanceId)?.retry;
      if (due) due.at = 0;
      void this.reconcile(instanceId, false);
    }, delay);
    timer.unref();
    this.entry(instanceId).retry = { failures, at: Date.now() + delay, timer };
    this.logger.warn({ instanceId, reason, failures, retryInMs: delay }, 'could not serve instance; will retry');
    await this.dataSource.query(
      `UPDATE instances SET status = 'FAILED', status_reason = $2, listeners_failed = true, serving_at = NULL
        WHERE id = $1 AND node_id = $3 AND (status = ANY($4) OR (status = 'FAILED' AND listeners_failed))`,
      [instanceId, reason, this.nodeId(), SERVED_STATUSES],
    );
  }

  private async purgeStored(instanceId: string): Promise<void> {
    try {
      await this.deps.store?.purgeInstance(instanceId);
    } catch (error) {
      this.logger.error({ instanceId, err: error }, 'could not purge the durable state of a deleted instance');
    }
  }

  private forgetRetry(instanceId: string): void {
    const entry = this.instances.get(instanceId);
    if (!entry?.retry) return;
    clearTimeout(entry.retry.timer);
    entry.retry = undefined;
    this.prune(instanceId);
  }

  private async closeHost(instanceId: string, host: InstanceHost): Promise<void> {
    const entry = this.instances.get(instanceId);
    if (entry?.host === host) this.setHost(entry, undefined);
    this.prune(instanceId);
    await host.close();
    await this.dataSource.query('UPDATE instances SET serving_at = NULL WHERE id = $1 AND node_id = $2', [instanceId, this.nodeId()]);
    this.logger.info({ instanceId }, 'stopped serving instance');
  }

  /** Closes every instance's listeners; the rows keep their placement for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.sweepTimer);
    for (const id of [...this.instances.keys()]) this.forgetRetry(id);
    await Promise.allSettled([...this.instances.values()].map((entry) => entry.queue));
    await Promise.allSettled(this.hosts().map(([id, host]) => this.closeHost(id, host)));
  }
}
