import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuthenticatorEntity } from '@mqc/db';
import { EDITIONS, METHOD_OF_TYPE, editionAllowsType, lowestEditionWith, type AuthenticatorType } from '@mqc/editions';
import type { ChangeBus } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { DomainError, NotFoundError, ValidationError } from '../../common/domain-errors';
import { CHANGE_BUS } from '../../common/tokens';
import { AuditService } from '../audit/audit.service';
import { InstanceService } from '../instances/instance.service';
import { CONFIG_SCHEMAS } from './authenticator-config';

export interface AuthenticatorView {
  id: string;
  type: AuthenticatorType;
  config: Record<string, unknown>;
  enabled: boolean;
  position: number;
}

function view(a: AuthenticatorEntity): AuthenticatorView {
  return { id: a.id, type: a.type, config: a.config, enabled: a.enabled, position: a.position };
}

@Injectable()
export class AuthenticatorService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: InstanceService,
    private readonly audit: AuditService,
    @Inject(CHANGE_BUS) private readonly changes: ChangeBus,
  ) {}

  private validateConfig(type: AuthenticatorType, config: Record<string, unknown>): Record<string, unknown> {
    const schema = CONFIG_SCHEMAS[type];
    if (!schema) throw new DomainError('validation', 'authenticator-type-unsupported', `the ${type} authenticator is not available yet`);
    const parsed = schema.safeParse(config);
    if (!parsed.success) {
      throw new ValidationError(parsed.error.issues.map((i) => ({ field: ['config', ...i.path].join('.'), message: i.message })));
    }
    return parsed.data;
  }

  async list(tenantId: string, instanceId: string): Promise<AuthenticatorView[]> {
    await this.instances.findOwned(tenantId, instanceId);
    const rows = await this.dataSource.getRepository(AuthenticatorEntity).find({ where: { instanceId }, order: { position: 'ASC' } });
    return rows.map(view);
  }

  async create(
    tenantId: string,
    instanceId: string,
    input: { type: AuthenticatorType; config: Record<string, unknown>; enabled: boolean },
    caller: Caller,
  ): Promise<AuthenticatorView> {
    const created = await this.dataSource.transaction(async (manager) => {
      const instance = await this.instances.findOwned(tenantId, instanceId, manager);
      if (!editionAllowsType(instance.edition, input.type)) {
        const needed = lowestEditionWith(METHOD_OF_TYPE[input.type]);
        throw new DomainError('forbidden', 'method-not-in-edition', `the ${input.type} authenticator needs the ${needed} edition or higher`, {
          edition: instance.edition,
          requiredEdition: needed,
        });
      }
      const config = this.validateConfig(input.type, input.config);
      const existing = await manager.find(AuthenticatorEntity, { where: { instanceId }, lock: { mode: 'pessimistic_write' } });
      const limit = EDITIONS[instance.edition].quotas.authenticatorsPerChain;
      if (existing.length >= limit) {
        throw new DomainError('conflict', 'quota-exceeded', `the ${instance.edition} edition allows ${limit} authenticators per chain`, { quota: 'authenticatorsPerChain', limit });
      }
      if (existing.some((a) => a.type === input.type)) {
        throw new DomainError('conflict', 'authenticator-type-exists', `the chain already has a ${input.type} authenticator`);
      }
      const saved = await manager.save(
        manager.create(AuthenticatorEntity, { instanceId, type: input.type, config, enabled: input.enabled, position: existing.length, secretsSealed: null }),
      );
      await this.audit.record(manager, { tenantId, caller, action: 'authenticator.create', resourceType: 'authenticator', resourceId: saved.id, details: { instanceId, type: input.type } });
      return saved;
    });
    await this.changes.publish({ kind: 'chain', instanceId });
    return view(created);
  }

  private async findOwned(manager: EntityManager, tenantId: string, instanceId: string, id: string): Promise<AuthenticatorEntity> {
    await this.instances.findOwned(tenantId, instanceId, manager);
    const found = await manager.findOneBy(AuthenticatorEntity, { id, instanceId });
    if (!found) throw new NotFoundError('authenticator');
    return found;
  }

  async get(tenantId: string, instanceId: string, id: string): Promise<AuthenticatorView> {
    return view(await this.findOwned(this.dataSource.manager, tenantId, instanceId, id));
  }

  async update(
    tenantId: string,
    instanceId: string,
    id: string,
    input: { config?: Record<string, unknown>; enabled?: boolean },
    caller: Caller,
  ): Promise<AuthenticatorView> {
    const updated = await this.dataSource.transaction(async (manager) => {
      const found = await this.findOwned(manager, tenantId, instanceId, id);
      if (input.config) found.config = this.validateConfig(found.type, input.config);
      if (input.enabled !== undefined) found.enabled = input.enabled;
      const saved = await manager.save(found);
      await this.audit.record(manager, { tenantId, caller, action: 'authenticator.update', resourceType: 'authenticator', resourceId: id, details: { instanceId, enabled: saved.enabled } });
      return saved;
    });
    await this.changes.publish({ kind: 'chain', instanceId });
    return view(updated);
  }

  async delete(tenantId: string, instanceId: string, id: string, caller: Caller): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const found = await this.findOwned(manager, tenantId, instanceId, id);
      await manager.delete(AuthenticatorEntity, { id: found.id });
      await manager.query('UPDATE authenticators SET position = position - 1 WHERE instance_id = $1 AND position > $2', [instanceId, found.position]);
      await this.audit.record(manager, { tenantId, caller, action: 'authenticator.delete', resourceType: 'authenticator', resourceId: id, details: { instanceId } });
    });
    await this.changes.publish({ kind: 'chain', instanceId });
  }

  /** `ids` must name every authenticator of the chain exactly once. */
  async reorder(tenantId: string, instanceId: string, ids: string[], caller: Caller): Promise<AuthenticatorView[]> {
    const reordered = await this.dataSource.transaction(async (manager) => {
      await this.instances.findOwned(tenantId, instanceId, manager);
      const rows = await manager.find(AuthenticatorEntity, { where: { instanceId }, lock: { mode: 'pessimistic_write' } });
      const known = new Set(rows.map((r) => r.id));
      if (ids.length !== rows.length || new Set(ids).size !== ids.length || ids.some((id) => !known.has(id))) {
        throw new ValidationError([{ field: 'ids', message: 'must list every authenticator of the chain exactly once' }]);
      }
      for (const row of rows) row.position = ids.indexOf(row.id);
      await manager.save(rows);
      await this.audit.record(manager, { tenantId, caller, action: 'authenticator.reorder', resourceType: 'instance', resourceId: instanceId, details: { ids } });
      return rows.sort((a, b) => a.position - b.position);
    });
    await this.changes.publish({ kind: 'chain', instanceId });
    return reordered.map(view);
  }
}
