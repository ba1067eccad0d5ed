import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity } from '@mqc/db';
import { actorOf, type Caller } from '../../common/caller';

export interface AuditRecord {
  tenantId: string;
  caller: Caller;
  action: string;
  resourceType: string;
  resourceId: string;
  details?: Record<string, unknown>;
}

/** Every tenant change is recorded in the same transaction as the change itself. */
@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, record: AuditRecord): Promise<void> {
    await manager.save(
      manager.create(AuditEventEntity, {
      tenantId: record.tenantId,
      actor: actorOf(record.caller),
      action: record.action,
      resourceType: record.resourceType,
      resourceId: record.resourceId,
      details: record.details ?? {},
      }),
    );
  }

  async list(tenantId: string, options: { limit: number; before?: string }): Promise<AuditEventEntity[]> {
    const query = this.dataSource
      .getRepository(AuditEventEntity)
      .createQueryBuilder('e')
      .where('e.tenant_id = :tenantId', { tenantId })
      .orderBy('e.id', 'DESC')
      .limit(options.limit);
    if (options.before) query.andWhere('e.id < :before', { before: options.before });
    return query.getMany();
  }
}
