import type { EntityManager } from 'typeorm';
import type { InstanceEntity } from '@mqc/db';
import type { ChangeEvent } from '@mqc/domain';
import { NotFoundError } from '../common/domain-errors';
import type { AuditRecord } from '../modules/audit/audit.service';
import { InstanceChanges } from '../modules/instances/instance-changes';

/*
 * The write path's ports in memory, for unit specs that build services with `new`: a table
 * per entity class behind the handful of EntityManager calls the services make, transactions
 * that roll the tables back when the work throws, owned instances, the audit log and the
 * change bus as lists. `journal` records the order of lock, audit, commit and publish.
 */

type Row = Record<string, unknown>;
type EntityClass = abstract new (...args: never[]) => unknown;

function matches(row: Row, where: Row): boolean {
  return Object.entries(where).every(([key, value]) => row[key] === value);
}

export class InMemoryWritePath {
  readonly tables = new Map<EntityClass, Row[]>();
  readonly instances: InstanceEntity[] = [];
  readonly audit: AuditRecord[] = [];
  readonly published: ChangeEvent[] = [];
  readonly journal: string[] = [];
  /** Instances whose revision the write path moved (one per change the nodes are told of). */
  readonly touched: string[] = [];

  table(entity: EntityClass): Row[] {
    let rows = this.tables.get(entity);
    if (!rows) this.tables.set(entity, (rows = []));
    return rows;
  }

  /** The entity each created row belongs to: saving it inserts it into that table. */
  private readonly created = new WeakMap<Row, EntityClass>();

  /** The EntityManager calls the services make, on the in-memory tables. */
  readonly tx = {
    create: (entity: EntityClass, values: Row) => {
      const row = { createdAt: new Date(), updatedAt: new Date(), ...values };
      this.created.set(row, entity);
      return row;
    },
    save: async (value: Row | Row[]) => {
      for (const row of Array.isArray(value) ? value : [value]) {
        const entity = this.created.get(row);
        if (entity && !this.table(entity).includes(row)) this.table(entity).push(row);
      }
      return value;
    },
    findOneBy: async (entity: EntityClass, where: Row) => this.table(entity).find((r) => matches(r, where)) ?? null,
    findOneByOrFail: async (entity: EntityClass, where: Row) => {
      const row = this.table(entity).find((r) => matches(r, where));
      if (!row) throw new Error('no such row');
      return row;
    },
    findBy: async (entity: EntityClass, where: Row) => this.table(entity).filter((r) => matches(r, where)),
    existsBy: async (entity: EntityClass, where: Row) => this.table(entity).some((r) => matches(r, where)),
    countBy: async (entity: EntityClass, where: Row) => this.table(entity).filter((r) => matches(r, where)).length,
    update: async (entity: EntityClass, where: Row, patch: Row) => {
      for (const row of this.table(entity).filter((r) => matches(r, where))) Object.assign(row, patch);
    },
    delete: async (entity: EntityClass, where: Row) => {
      const rows = this.table(entity);
      this.tables.set(entity, rows.filter((r) => !matches(r, where)));
    },
  };

  private readonly ports = {
    transactions: {
      transaction: async <T>(work: (tx: EntityManager) => Promise<T>): Promise<T> => {
        const snapshot = new Map([...this.tables].map(([entity, rows]) => [entity, rows.map((r) => ({ ...r }))]));
        const audited = this.audit.length;
        try {
          const result = await work(this.tx as unknown as EntityManager);
          this.journal.push('commit');
          return result;
        } catch (error) {
          this.tables.clear();
          for (const [entity, rows] of snapshot) this.tables.set(entity, rows);
          this.audit.length = audited;
          this.journal.push('rollback');
          throw error;
        }
      },
    },
    instances: {
      lock: async (tenantId: string, id: string): Promise<InstanceEntity> => {
        const instance = this.instances.find((i) => i.id === id && i.tenantId === tenantId && i.status !== 'DELETED');
        if (!instance) throw new NotFoundError('instance');
        this.journal.push(`lock ${id}`);
        return instance;
      },
      touch: async (id: string): Promise<void> => {
        this.touched.push(id);
      },
    },
    audit: {
      record: async (_tx: EntityManager, record: AuditRecord) => {
        this.audit.push(record);
        this.journal.push(`audit ${record.action}`);
      },
    },
    changes: {
      publish: async (event: ChangeEvent) => {
        this.published.push(event);
        this.journal.push(`publish ${event.kind}`);
      },
    },
  };

  readonly write = new InstanceChanges(this.ports);

  addInstance(values: Partial<InstanceEntity> & Pick<InstanceEntity, 'id' | 'tenantId' | 'edition'>): InstanceEntity {
    const instance = { status: 'RUNNING', statusReason: null, listenersFailed: false, ...values } as InstanceEntity;
    this.instances.push(instance);
    return instance;
  }
}
