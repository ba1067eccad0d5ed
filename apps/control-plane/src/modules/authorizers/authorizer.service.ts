import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthorizerType, ConfigSecret } from '@mqc/auth';
import { AuthorizerEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { assertEditionAllowsAuthorizer, assertWithinQuota } from '../../common/edition-gate';
import { OutboundPolicy } from '../../common/outbound-policy';
import { appendChainRow, ChainSecrets, ChainViews, changeChainRow, deleteChainRow, reorderRows, type ChainRowView } from '../../common/provider-chain';
import { SECRET_BOX } from '../../common/tokens';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { prepareAuthorizerConfig, SINGLE_AUTHORIZER_TYPES } from './authorizer-config';
import { AUTHORIZER_METRICS, type AuthorizerCounter, type AuthorizerMetricsView } from './authorizer-metrics';

export type AuthorizerView = ChainRowView<AuthorizerType, AuthorizerMetricsView>;

const CHANGE = { kind: 'authorization' } as const;

/** The authorization chain of an instance (issue 13), managed as the authentication chain is. */
@Injectable()
export class AuthorizerService {
  private readonly rows: InstanceRows<AuthorizerEntity>;
  private readonly secrets: ChainSecrets;
  private readonly views: ChainViews<AuthorizerType, AuthorizerCounter>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
    private readonly outbound: OutboundPolicy,
    @Inject(SECRET_BOX) box: SecretBox,
  ) {
    this.rows = new InstanceRows(dataSource, instances, AuthorizerEntity, 'authorizer');
    this.secrets = new ChainSecrets(box, SECRET_CONTEXT.authorizerSecrets);
    this.views = new ChainViews(dataSource, this.secrets, AUTHORIZER_METRICS);
  }

  /** The stored secrets of a row, opened (the dry run needs them to call an http authorizer). */
  openSecrets(row: AuthorizerEntity): ConfigSecret[] {
    return this.secrets.open(row);
  }

  /** The chain's rows in order (the dry run folds the enabled ones). */
  async chain(tenantId: string, instanceId: string): Promise<AuthorizerEntity[]> {
    await this.instances.find(tenantId, instanceId);
    return this.dataSource.getRepository(AuthorizerEntity).find({ where: { instanceId }, order: { position: 'ASC' } });
  }

  async list(tenantId: string, instanceId: string): Promise<AuthorizerView[]> {
    return this.views.of(await this.chain(tenantId, instanceId));
  }

  async get(tenantId: string, instanceId: string, id: string): Promise<AuthorizerView> {
    return this.views.one(await this.rows.get(tenantId, instanceId, { id }));
  }

  async create(
    tenantId: string,
    instanceId: string,
    input: { type: AuthorizerType; config: Record<string, unknown>; enabled: boolean },
    caller: Caller,
  ): Promise<AuthorizerView> {
    const instance = await this.instances.find(tenantId, instanceId);
    assertEditionAllowsAuthorizer(instance.edition, input.type);
    const prepared = prepareAuthorizerConfig(input.type, input.config);
    // Resolving names takes time: outside the transaction.
    await this.outbound.check(prepared.urls);
    const created = await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      assertEditionAllowsAuthorizer(locked.edition, input.type);
      const existing = await manager.find(AuthorizerEntity, { where: { instanceId } });
      assertWithinQuota(locked.edition, 'authorizersPerChain', existing.length);
      if (SINGLE_AUTHORIZER_TYPES.has(input.type) && existing.some((a) => a.type === input.type)) {
        throw new DomainError('conflict', 'authorizer-type-exists', `the authorization chain already has a ${input.type} authorizer`);
      }
      const saved = await appendChainRow(manager, AuthorizerEntity, this.secrets, { instanceId, type: input.type, enabled: input.enabled, position: existing.length }, prepared);
      const details = { instanceId, type: input.type, enabled: input.enabled };
      return { result: saved, audit: { action: 'authorizer.create', resourceType: 'authorizer', resourceId: saved.id, details }, change: CHANGE };
    });
    return this.views.one(created);
  }

  async update(tenantId: string, instanceId: string, id: string, input: { config?: Record<string, unknown>; enabled?: boolean }, caller: Caller): Promise<AuthorizerView> {
    const current = await this.rows.get(tenantId, instanceId, { id });
    const type = current.type as AuthorizerType;
    const instance = await this.instances.find(tenantId, instanceId);
    // Disabling is always allowed; configuring or enabling a type needs the edition.
    const gated = input.config !== undefined || input.enabled === true;
    if (gated) assertEditionAllowsAuthorizer(instance.edition, type);
    const prepared = input.config === undefined ? undefined : prepareAuthorizerConfig(type, input.config, this.openSecrets(current));
    if (prepared) await this.outbound.check(prepared.urls);
    const updated = await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      const found = await this.rows.find(manager, locked, { id });
      if (gated) assertEditionAllowsAuthorizer(locked.edition, type);
      const saved = await changeChainRow(manager, this.secrets, found, prepared, input.enabled);
      const details = { instanceId, type, enabled: saved.enabled, configChanged: prepared !== undefined };
      return { result: saved, audit: { action: 'authorizer.update', resourceType: 'authorizer', resourceId: id, details }, change: CHANGE };
    });
    return this.views.one(updated);
  }

  async delete(tenantId: string, instanceId: string, id: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      const found = await this.rows.find(manager, locked, { id });
      await deleteChainRow(manager, AuthorizerEntity, 'authorizers', found);
      return { result: undefined, audit: { action: 'authorizer.delete', resourceType: 'authorizer', resourceId: id, details: { instanceId, type: found.type } }, change: CHANGE };
    });
  }

  /** `ids` must name every authorizer of the chain exactly once. */
  async reorder(tenantId: string, instanceId: string, ids: string[], caller: Caller): Promise<AuthorizerView[]> {
    const reordered = await this.write.apply({ tenantId, instanceId, caller }, async (manager) => {
      const existing = await manager.find(AuthorizerEntity, { where: { instanceId } });
      const { rows, wanted } = await reorderRows(manager, existing, ids, 'must list every authorizer of the chain exactly once');
      const audit = { action: 'authorizer.reorder', resourceType: 'instance', resourceId: instanceId, details: { ids: wanted } };
      return { result: rows, audit, change: CHANGE };
    });
    return this.views.of(reordered);
  }
}

