import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ApiKeyEntity } from '@mqc/db';
import type { Caller } from '../../common/caller';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { AuditService } from '../audit/audit.service';
import { apiKeyPrefix, hashApiKeySecret, newApiKeySecret } from './api-key-secret';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface CreatedApiKey extends ApiKeyView {
  /** Shown once, at creation. */
  secret: string;
}

function view(key: ApiKeyEntity): ApiKeyView {
  return { id: key.id, name: key.name, prefix: key.prefix, createdAt: key.createdAt, lastUsedAt: key.lastUsedAt };
}

@Injectable()
export class ApiKeyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** Creates a key inside the caller's transaction (a new tenant's first key, or a tenant's request). */
  async createIn(manager: EntityManager, tenantId: string, name: string, caller: Caller): Promise<CreatedApiKey> {
    const secret = newApiKeySecret();
    const key = await manager.save(
      manager.create(ApiKeyEntity, { tenantId, name, prefix: apiKeyPrefix(secret), secretHash: hashApiKeySecret(secret), lastUsedAt: null }),
    );
    await this.audit.record(manager, { tenantId, caller, action: 'api-key.create', resourceType: 'api-key', resourceId: key.id, details: { name } });
    return { ...view(key), secret };
  }

  create(tenantId: string, name: string, caller: Caller): Promise<CreatedApiKey> {
    return this.dataSource.transaction((manager) => this.createIn(manager, tenantId, name, caller));
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    const keys = await this.dataSource.getRepository(ApiKeyEntity).find({ where: { tenantId }, order: { createdAt: 'ASC' } });
    return keys.map(view);
  }

  async delete(tenantId: string, id: string, caller: Caller): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Lock the tenant's keys so two revocations cannot both leave it keyless.
      const keys = await manager.find(ApiKeyEntity, { where: { tenantId }, lock: { mode: 'pessimistic_write' } });
      if (!keys.some((k) => k.id === id)) throw new NotFoundError('api-key');
      if (keys.length === 1) {
        throw new DomainError('conflict', 'last-api-key', 'this is the tenant last API key: create another before revoking it');
      }
      await manager.delete(ApiKeyEntity, { id, tenantId });
      await this.audit.record(manager, { tenantId, caller, action: 'api-key.delete', resourceType: 'api-key', resourceId: id });
    });
  }

  /** The key a bearer secret belongs to, looked up by its digest. */
  async authenticate(secret: string): Promise<{ tenantId: string; apiKeyId: string } | undefined> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOne({ where: { secretHash: hashApiKeySecret(secret) } });
    if (!key) return undefined;
    // At most one write a minute per key, so reads do not become writes.
    if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
      await this.dataSource.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [key.id]);
    }
    return { tenantId: key.tenantId, apiKeyId: key.id };
  }
}
