import type { EntityManager } from 'typeorm';
import type { InstanceEntity } from '@mqc/db';
import type { ChangeEvent } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import type { DomainError } from '../../common/domain-errors';
import { isUniqueViolation } from '../../common/unique-violation';
import type { AuditRecord } from '../audit/audit.service';

/** A change event without its instance: the write path names the instance it changed. */
export type InstanceChangeEvent = ChangeEvent extends infer E ? (E extends ChangeEvent ? Omit<E, 'instanceId'> : never) : never;

export type AuditEntry = Omit<AuditRecord, 'tenantId' | 'caller'>;

/** What a change to an owned instance did, for the write path to record and announce. */
export interface InstanceChange<R> {
  result: R;
  /** Recorded in the change's transaction; null when the request changed nothing (a repeated delete). */
  audit: AuditEntry | null;
  /** Published once the transaction committed, for the broker nodes; null when they need not know; several in order. */
  change: InstanceChangeEvent | readonly InstanceChangeEvent[] | null;
}

export interface InstanceChangeRequest {
  tenantId: string;
  instanceId: string;
  caller: Caller;
  /** The refusal when a unique constraint rejects a row (two requests adding the same name at once). */
  onUniqueViolation?: () => DomainError;
}

/** The ports the write path needs; DataSource, OwnedInstances, AuditService and ChangeBus are them. */
export interface InstanceChangePorts {
  transactions: { transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> };
  instances: { lock(tenantId: string, id: string, tx: EntityManager): Promise<InstanceEntity>; touch(id: string, tx: EntityManager): Promise<void> };
  audit: { record(tx: EntityManager, record: AuditRecord): Promise<void> };
  changes: { publish(event: ChangeEvent): Promise<void> };
}

/**
 * The one write path for what lives in a tenant's instance: lock the instance (404 if the
 * tenant does not own it), let `work` check the edition and quota and change rows, record the
 * audit event in the same transaction, move the instance's revision (for the nodes' resync)
 * with it, commit, then publish the change event. Nothing is published for a change that did
 * not commit.
 */
export class InstanceChanges {
  constructor(private readonly ports: InstanceChangePorts) {}

  async apply<R>(request: InstanceChangeRequest, work: (tx: EntityManager, instance: InstanceEntity) => Promise<InstanceChange<R>>): Promise<R> {
    const { tenantId, instanceId, caller } = request;
    let outcome: InstanceChange<R>;
    try {
      outcome = await this.ports.transactions.transaction(async (tx) => {
        const instance = await this.ports.instances.lock(tenantId, instanceId, tx);
        const done = await work(tx, instance);
        // What the nodes are told of, they also find by revision when the event is lost.
        if (done.change !== null) await this.ports.instances.touch(instanceId, tx);
        if (done.audit) await this.ports.audit.record(tx, { tenantId, caller, ...done.audit });
        return done;
      });
    } catch (error) {
      if (request.onUniqueViolation && isUniqueViolation(error)) throw request.onUniqueViolation();
      throw error;
    }
    const changes = outcome.change === null ? [] : Array.isArray(outcome.change) ? outcome.change : [outcome.change as InstanceChangeEvent];
    for (const change of changes) await this.ports.changes.publish({ ...change, instanceId } as ChangeEvent);
    return outcome.result;
  }
}
