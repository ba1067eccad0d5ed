import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { InstanceEntity } from '@mqc/db';
import { NotFoundError } from '../../common/domain-errors';

const LIVE = In(['PROVISIONING', 'RUNNING', 'UPDATING', 'FAILED', 'DELETING']);

/**
 * The instances a tenant owns. Every read names the tenant: another tenant's instance is as
 * missing as a deleted one (404), and there is no way to reach an instance without its owner.
 */
@Injectable()
export class OwnedInstances {
  constructor(private readonly dataSource: DataSource) {}

  /** The tenant's live instance, or 404. */
  async find(tenantId: string, id: string, tx: EntityManager = this.dataSource.manager): Promise<InstanceEntity> {
    const instance = await tx.findOneBy(InstanceEntity, { id, tenantId, status: LIVE });
    if (!instance) throw new NotFoundError('instance');
    return instance;
  }

  /** find, with the row locked until the transaction ends: chain, quota and edition changes queue up behind it. */
  async lock(tenantId: string, id: string, tx: EntityManager): Promise<InstanceEntity> {
    const instance = await tx.findOne(InstanceEntity, { where: { id, tenantId, status: LIVE }, lock: { mode: 'pessimistic_write' } });
    if (!instance) throw new NotFoundError('instance');
    return instance;
  }

  /**
   * Moves the instance's revision to this transaction (the row's trigger sets it), so the broker
   * nodes' one-query resync sees the change once it commits (migration 1764760000000).
   */
  async touch(id: string, tx: EntityManager): Promise<void> {
    await tx.query('UPDATE instances SET revision = 0 WHERE id = $1', [id]);
  }
}
