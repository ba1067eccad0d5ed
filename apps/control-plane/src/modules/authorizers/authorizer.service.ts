import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { maskSecrets, parseConfigSecrets, serializeConfigSecrets, type AuthorizerType, type ConfigSecret } from '@mqc/auth';
import { AuthorizerEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import { DomainError, ValidationError } from '../../common/domain-errors';
import { assertEditionAllowsAuthorizer, assertWithinQuota } from '../../common/edition-gate';
import { OutboundPolicy } from '../../common/outbound-policy';
import { SECRET_BOX } from '../../common/tokens';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { prepareAuthorizerConfig, SINGLE_AUTHORIZER_TYPES } from './authorizer-config';
import { authorizerMetrics, NO_AUTHORIZER_METRICS, type AuthorizerMetricsView } from './authorizer-metrics';

export interface AuthorizerView {
  id: string;
  type: AuthorizerType;
  /** Secrets show as SECRET_MASK; sending the mask back keeps them. */
  config: Record<string, unknown>;
  enabled: boolean;
  position: number;
  metrics: AuthorizerMetricsView;
  createdAt: Date;
  updatedAt: Date;
}

const CHANGE = { kind: 'authorization' } as const;

/** The authorization chain of an instance (issue 13), managed as the authentication chain is. */
@Injectable()
export class AuthorizerService {
  private readonly rows: InstanceRows<AuthorizerEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
    private readonly outbound: OutboundPolicy,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {
    this.rows = new InstanceRows(dataSource, instances, AuthorizerEntity, 'authorizer');
  }

  /** The stored secrets of a row, opened (the dry run needs them to call an http authorizer). */
  openSecrets(row: AuthorizerEntity): ConfigSecret[] {
    return row.secretsSealed ? parseConfigSecrets(this.box.openText(row.secretsSealed, SECRET_CONTEXT.authorizerSecrets(row.id))) : [];
  }

  private seal(id: string, secrets: ConfigSecret[]): string | null {
    return secrets.length > 0 ? this.box.seal(serializeConfigSecrets(secrets), SECRET_CONTEXT.authorizerSecrets(id)) : null;
  }

  private async views(rows: AuthorizerEntity[]): Promise<AuthorizerView[]> {
    const metrics = await authorizerMetrics(this.dataSource, rows.map((r) => r.id));
    return rows.map((a) => ({
      id: a.id,
      type: a.type as AuthorizerType,
      config: maskSecrets(a.config, this.openSecrets(a)),
      enabled: a.enabled,
      position: a.position,
      metrics: metrics.get(a.id) ?? NO_AUTHORIZER_METRICS,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    }));
  }

  private async view(row: AuthorizerEntity): Promise<AuthorizerView> {
    const [view] = await this.views([row]);
    if (!view) throw new Error('unreachable');
    return view;
  }

  /** The chain's rows in order (the dry run folds the enabled ones). */
  async chain(tenantId: string, instanceId: string): Promise<AuthorizerEntity[]> {
    await this.instances.find(tenantId, instanceId);
    return this.dataSource.getRepository(AuthorizerEntity).find({ where: { instanceId }, order: { position: 'ASC' } });
  }

  async list(tenantId: string, instanceId: string): Promise<AuthorizerView[]> {
    return this.views(await this.chain(tenantId, instanceId));
  }

  async get(tenantId: string, instanceId: string, id: string): Promise<AuthorizerView> {
    return this.view(await this.rows.get(tenantId, instanceId, { id }));
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
      const id = randomUUID();
      const saved = await manager.save(
        manager.create(AuthorizerEntity, {
          id,
          instanceId,
          type: input.type,
          config: prepared.config,
          enabled: input.enabled,
          position: existing.length,
          secretsSealed: this.seal(id, prepared.secrets),
        }),
      );
      const details = { instanceId, type: input.type, enabled: input.enabled };
      return { result: saved, audit: { action: 'authorizer.create', resourceType: 'authorizer', resourceId: saved.id, details }, change: CHANGE };
    });
    return this.view(created);
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
      if (prepared) {
        found.config = prepared.config;
        found.secretsSealed = this.seal(found.id, prepared.secrets);
      }
      if (input.enabled !== undefined) found.enabled = input.enabled;
      const saved = await manager.save(found);
      const details = { instanceId, type, enabled: saved.enabled, configChanged: prepared !== undefined };
      return { result: saved, audit: { action: 'authorizer.update', resourceType: 'authorizer', resourceId: id, details }, change: CHANGE };
    });
    return this.view(updated);
  }

  async delete(tenantId: string, instanceId: string, id: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, locked) => {
      const found = await this.rows.find(manager, locked, { id });
      await manager.delete(AuthorizerEntity, { id: found.id });
      await manager.query('UPDATE authorizers SET position = position - 1 WHERE instance_id = $1 AND position > $2', [instanceId, found.position]);
      return { result: undefined, audit: { action: 'authorizer.delete', resourceType: 'authorizer', resourceId: id, details: { instanceId, type: found.type } }, change: CHANGE };
    });
  }

  /** `ids` must name every authorizer of the chain exactly once. */
  async reorder(tenantId: string, instanceId: string, ids: string[], caller: Caller): Promise<AuthorizerView[]> {
    const reordered = await this.write.apply({ tenantId, instanceId, caller }, async (manager) => {
      const rows = await manager.find(AuthorizerEntity, { where: { instanceId } });
      const wanted = ids.map((id) => id.toLowerCase());
      assertSamePermutation(rows.map((r) => r.id), wanted, 'must list every authorizer of the chain exactly once');
      for (const row of rows) row.position = wanted.indexOf(row.id);
      await manager.save(rows);
      const audit = { action: 'authorizer.reorder', resourceType: 'instance', resourceId: instanceId, details: { ids: wanted } };
      return { result: rows.sort((a, b) => a.position - b.position), audit, change: CHANGE };
    });
    return this.views(reordered);
  }
}

/** A reorder must name each existing id once and nothing else: 422 on `ids` otherwise. */
export function assertSamePermutation(existing: readonly string[], wanted: readonly string[], message: string): void {
  const known = new Set(existing);
  if (wanted.length !== existing.length || new Set(wanted).size !== wanted.length || wanted.some((id) => !known.has(id))) {
    throw new ValidationError([{ field: 'ids', message }]);
  }
}
