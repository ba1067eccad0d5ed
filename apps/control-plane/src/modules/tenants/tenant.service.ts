import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TenantEntity } from '@mqc/db';
import type { Caller } from '../../common/caller';
import { ApiKeyService, type CreatedApiKey } from '../api-keys/api-key.service';
import { AuditService } from '../audit/audit.service';

export interface TenantView {
  id: string;
  name: string;
  createdAt: Date;
}

@Injectable()
export class TenantService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: ApiKeyService,
    private readonly audit: AuditService,
  ) {}

  /** A tenant and its first API key, together or not at all. */
  async create(name: string, caller: Caller): Promise<{ tenant: TenantView; apiKey: CreatedApiKey }> {
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.save(manager.create(TenantEntity, { name }));
      await this.audit.record(manager, { tenantId: tenant.id, caller, action: 'tenant.create', resourceType: 'tenant', resourceId: tenant.id, details: { name } });
      const apiKey = await this.apiKeys.createIn(manager, tenant.id, 'first key', caller);
      return { tenant: { id: tenant.id, name: tenant.name, createdAt: tenant.createdAt }, apiKey };
    });
  }

  async list(): Promise<TenantView[]> {
    const tenants = await this.dataSource.getRepository(TenantEntity).find({ order: { createdAt: 'ASC' } });
    return tenants.map((t) => ({ id: t.id, name: t.name, createdAt: t.createdAt }));
  }
}
