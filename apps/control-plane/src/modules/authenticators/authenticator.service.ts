import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthenticatorType } from '@mqc/auth';
import { AuthenticatorEntity, type InstanceEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import type { ChainMetricsTable, ChainMetricsView } from '../../common/chain-metrics';
import { DomainError } from '../../common/domain-errors';
import { assertEditionAllows, assertWithinQuota } from '../../common/edition-gate';
import { OutboundPolicy } from '../../common/outbound-policy';
import { appendChainRow, ChainSecrets, ChainViews, changeChainRow, deleteChainRow, reorderRows, type ChainRowView } from '../../common/provider-chain';
import { SECRET_BOX } from '../../common/tokens';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { assertHashCostWithinEdition, prepareConfig, SINGLE_INSTANCE_TYPES } from './authenticator-config';

type AuthenticatorCounter = 'allow' | 'deny' | 'ignore' | 'error';

const AUTHENTICATOR_METRICS: ChainMetricsTable<AuthenticatorCounter> = {
  table: 'authenticator_metrics',
  idColumn: 'authenticator_id',
  counters: { allow: 'allow', deny: 'deny', ignore: 'ignore', error: 'error' },
};

/** Counters summed over the broker nodes that reported them (SPEC 4: metrics per authenticator). */
export type AuthenticatorMetricsView = ChainMetricsView<AuthenticatorCounter>;

export type AuthenticatorView = ChainRowView<AuthenticatorType, AuthenticatorMetricsView>;

@Injectable()
export class AuthenticatorService {
  private readonly rows: InstanceRows<AuthenticatorEntity>;
  private readonly secrets: ChainSecrets;
  private readonly views: ChainViews<AuthenticatorType, AuthenticatorCounter>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
    private readonly outbound: OutboundPolicy,
    @Inject(SECRET_BOX) box: SecretBox,
  ) {
    this.rows = new InstanceRows(dataSource, instances, AuthenticatorEntity, 'authenticator');
    this.secrets = new ChainSecrets(box, SECRET_CONTEXT.authenticatorSecrets);
    this.views = new ChainViews(dataSource, this.secrets, AUTHENTICATOR_METRICS);
  }

  async list(tenantId: string, instanceId: string): Promise<AuthenticatorView[]> {
    await this.instances.find(tenantId, instanceId);
    return this.views.of(await this.dataSource.getRepository(AuthenticatorEntity).find({ where: { instanceId }, order: { position: 'ASC' } }));
  }

  async create(
    tenantId: string,
    instanceId: string,
    input: { type: AuthenticatorType; config: Record<string, unknown>; enabled: boolean },
    caller: Caller,
  ): Promise<AuthenticatorView> {
    const instance = await this.instances.find(tenantId, instanceId);
    assertEditionAllows(instance.edition, input.type);
    const prepared = prepareConfig(input.type, input.config);
    assertHashCostWithinEdition(instance.edition, prepared.config);
    // Resolving names takes time: outside the transaction.
    await this.outbound.check(prepared.urls);
    const created = await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      assertEditionAllows(locked.edition, input.type);
      const existing = await manager.find(AuthenticatorEntity, { where: { instanceId } });
      assertWithinQuota(locked.edition, 'authenticatorsPerChain', existing.length);
      if (SINGLE_INSTANCE_TYPES.has(input.type) && existing.some((a) => a.type === input.type)) {
        throw new DomainError('conflict', 'authenticator-type-exists', `the chain already has a ${input.type} authenticator`);
      }
      const saved = await appendChainRow(manager, AuthenticatorEntity, this.secrets, { instanceId, type: input.type, enabled: input.enabled, position: existing.length }, prepared);
      const details = { instanceId, type: input.type, enabled: input.enabled };
      return { result: saved, audit: { action: 'authenticator.create', resourceType: 'authenticator', resourceId: saved.id, details }, change: { kind: 'chain' } };
    });
    return this.views.one(created);
  }

  /** The tenant's instance, once the authenticator is found in it (404 otherwise). */
  async ownedInstance(tenantId: string, instanceId: string, id: string): Promise<InstanceEntity> {
    const instance = await this.instances.find(tenantId, instanceId);
    await this.rows.get(tenantId, instanceId, { id });
    return instance;
  }

  async get(tenantId: string, instanceId: string, id: string): Promise<AuthenticatorView> {
    return this.views.one(await this.rows.get(tenantId, instanceId, { id }));
  }

  async update(
    tenantId: string,
    instanceId: string,
    id: string,
    input: { config?: Record<string, unknown>; enabled?: boolean },
    caller: Caller,
  ): Promise<AuthenticatorView> {
    const current = await this.rows.get(tenantId, instanceId, { id });
    const instance = await this.instances.find(tenantId, instanceId);
    // Disabling is always allowed; configuring or enabling a method needs the edition.
    if (input.config !== undefined || input.enabled === true) assertEditionAllows(instance.edition, current.type);
    const prepared = input.config === undefined ? undefined : prepareConfig(current.type, input.config, this.secrets.open(current));
    if (prepared) assertHashCostWithinEdition(instance.edition, prepared.config);
    if (prepared) await this.outbound.check(prepared.urls);
    const updated = await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      const found = await this.rows.find(manager, locked, { id });
      if (input.config !== undefined || input.enabled === true) assertEditionAllows(locked.edition, found.type);
      const saved = await changeChainRow(manager, this.secrets, found, prepared, input.enabled);
      const details = { instanceId, type: found.type, enabled: saved.enabled, configChanged: prepared !== undefined };
      return { result: saved, audit: { action: 'authenticator.update', resourceType: 'authenticator', resourceId: id, details }, change: { kind: 'chain' } };
    });
    return this.views.one(updated);
  }

  async delete(tenantId: string, instanceId: string, id: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      const found = await this.rows.find(manager, locked, { id });
      await deleteChainRow(manager, AuthenticatorEntity, 'authenticators', found);
      return { result: undefined, audit: { action: 'authenticator.delete', resourceType: 'authenticator', resourceId: id, details: { instanceId, type: found.type } }, change: { kind: 'chain' } };
    });
  }

  /** `ids` must name every authenticator of the chain exactly once. */
  async reorder(tenantId: string, instanceId: string, ids: string[], caller: Caller): Promise<AuthenticatorView[]> {
    const reordered = await this.write.apply({ tenantId, instanceId, caller }, async (manager) => {
      const existing = await manager.find(AuthenticatorEntity, { where: { instanceId } });
      const { rows, wanted } = await reorderRows(manager, existing, ids, 'must list every authenticator of the chain exactly once');
      const audit = { action: 'authenticator.reorder', resourceType: 'instance', resourceId: instanceId, details: { ids: wanted } };
      return { result: rows, audit, change: { kind: 'chain' } };
    });
    return this.views.of(reordered);
  }
}
