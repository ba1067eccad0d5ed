import type { DataSource, EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { InstanceEntity } from '@mqc/db';
import { NotFoundError } from '../../common/domain-errors';
import { keysetPage } from '../../common/keyset-page';
import type { OwnedInstances } from './owned-instances';

/** One page of rows, ordered by a unique text key. */
export interface RowPage<E> {
  rows: E[];
  nextCursor: string | null;
}

/**
 * The rows of one table that live in a tenant's instance (devices, users, certificates…).
 * Reads take the tenant and check it owns the instance first; inside the write path they take
 * the locked instance itself, so no query of this table can name an instance alone.
 */
export class InstanceRows<E extends ObjectLiteral & { instanceId: string }> {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly entity: EntityTarget<E>,
    /** Names the 404: `<resource>-not-found`. */
    private readonly resource: string,
  ) {}

  /** The row of the tenant's instance that `where` names, or 404 (the instance's, then the row's). */
  async get(tenantId: string, instanceId: string, where: FindOptionsWhere<E>): Promise<E> {
    const instance = await this.instances.find(tenantId, instanceId);
    return this.find(this.dataSource.manager, instance, where);
  }

  /** In the write path: the row of the instance it locked, or 404. */
  async find(tx: EntityManager, instance: Pick<InstanceEntity, 'id'>, where: FindOptionsWhere<E>): Promise<E> {
    const row = await tx.findOneBy(this.entity, { ...where, instanceId: instance.id } as FindOptionsWhere<E>);
    if (!row) throw new NotFoundError(this.resource);
    return row;
  }

  /** A page of the tenant's instance's rows by `key` (a unique text column), optionally narrowed by `filter`. */
  async page(
    tenantId: string,
    instanceId: string,
    page: { key: { column: string; of: (row: E) => string }; limit: number; after?: string | undefined; filter?: (query: SelectQueryBuilder<E>) => void },
  ): Promise<RowPage<E>> {
    await this.instances.find(tenantId, instanceId);
    const query = this.dataSource.getRepository(this.entity).createQueryBuilder('r').where('r.instance_id = :instanceId', { instanceId });
    page.filter?.(query);
    return keysetPage(query, { keyColumn: `r.${page.key.column}`, keyOf: page.key.of, limit: page.limit, after: page.after });
  }
}
