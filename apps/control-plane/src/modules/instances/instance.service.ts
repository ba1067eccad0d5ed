import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { authorizerProviderOf, editionAllowsAuthorizer, hashCostAboveEdition, type AuthorizerType, type PasswordHashParams } from '@mqc/auth';
import type { MqcConfig } from '@mqc/config';
import {
  AclRuleEntity,
  allocateInstancePorts,
  AuthenticatorEntity,
  AuthorizerEntity,
  BuiltInUserEntity,
  CaCertificateEntity,
  DeviceCertificateEntity,
  DeviceEntity,
  InstanceEntity,
  InstanceX509SettingsEntity,
  releaseInstancePorts,
} from '@mqc/db';
import type { AccessPolicy, AuthorizationPolicy } from '@mqc/domain';
import { hasDedicatedPorts, type AuthMethod, type EditionChangeBlocker, type EditionName } from '@mqc/editions';
import { editionChangeBlockers, type AuthenticatorType } from '@mqc/auth';
import type { JobProducer } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { CONFIG, JOB_PRODUCER } from '../../common/tokens';
import { AuditService } from '../audit/audit.service';
import { EditionService } from '../editions/edition.service';
import { InstanceChanges } from './instance-changes';
import { instanceView, type InstanceView } from './instance.view';
import { OwnedInstances } from './owned-instances';

/** An authenticator hashing above the target edition's caps (EDITION_PASSWORD_HASHING). */
interface PasswordHashBlocker {
  kind: 'password-hash';
  authenticatorType: AuthenticatorType;
  field: string;
  used: number;
  limit: number;
}

/** An enabled authorizer whose type the target edition lacks (issue 13). */
interface AuthorizerBlocker {
  kind: 'method';
  method: AuthMethod;
  authorizerType: AuthorizerType;
}

type Blocker = (EditionChangeBlocker & { devices?: number }) | PasswordHashBlocker | AuthorizerBlocker;

function authorizerBlockers(authorizers: readonly AuthorizerEntity[], target: EditionName): AuthorizerBlocker[] {
  const types = new Set(authorizers.filter((a) => a.enabled).map((a) => a.type as AuthorizerType));
  return [...types].filter((type) => !editionAllowsAuthorizer(target, type)).map((type) => ({ kind: 'method', method: authorizerProviderOf(type).method, authorizerType: type }));
}

function passwordHashBlockers(authenticators: readonly AuthenticatorEntity[], target: EditionName): PasswordHashBlocker[] {
  return authenticators.flatMap((a) => {
    const params = (a.config as { passwordHash?: PasswordHashParams }).passwordHash;
    if (params === undefined) return [];
    return hashCostAboveEdition(params, target).map((over) => ({
      kind: 'password-hash' as const,
      authenticatorType: a.type,
      field: `passwordHash.${over.field}`,
      used: over.value,
      limit: over.limit,
    }));
  });
}

function describeBlocker(blocker: Blocker): string {
  if (blocker.kind === 'password-hash') return `the ${blocker.authenticatorType} authenticator's ${blocker.field} is ${blocker.used}, ${blocker.limit} allowed`;
  if (blocker.kind === 'quota') return `${blocker.quota}: ${blocker.used} used, ${blocker.limit} allowed`;
  if ('authorizerType' in blocker) return `the ${blocker.authorizerType} authorizer is enabled`;
  if (blocker.authenticatorType) return `the ${blocker.authenticatorType} authenticator is enabled`;
  if (blocker.devices !== undefined) return `${blocker.devices} device(s) registered (${blocker.method})`;
  return `${blocker.method} is in use`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

@Injectable()
export class InstanceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly owned: OwnedInstances,
    private readonly write: InstanceChanges,
    private readonly editions: EditionService,
    @Inject(CONFIG) private readonly config: MqcConfig,
    @Inject(JOB_PRODUCER) private readonly jobs: JobProducer,
  ) {}

  view(instance: InstanceEntity): InstanceView {
    return instanceView(instance, this.config.publicHost, { port: this.config.sharedTlsPort, publicDomain: this.config.publicDomain });
  }

  private async assertSold(edition: EditionName): Promise<void> {
    if (!(await this.editions.isAvailable(edition))) {
      throw new DomainError('conflict', 'edition-not-available', `the ${edition} edition is not sold at the moment; existing ${edition} instances keep working`, {
        edition,
      });
    }
  }

  async create(tenantId: string, input: { name: string; edition: EditionName }, caller: Caller): Promise<InstanceView> {
    await this.assertSold(input.edition);
    const instance = await this.dataSource.transaction(async (manager) => {
      const created = await manager.save(
        manager.create(InstanceEntity, { tenantId, name: input.name, edition: input.edition, status: 'PROVISIONING', statusReason: null }),
      );
      await this.audit.record(manager, { tenantId, caller, action: 'instance.create', resourceType: 'instance', resourceId: created.id, details: input });
      return created;
    });
    // The job id makes a retried request enqueue the provisioning once.
    await this.jobs.enqueue('provision-instance', { instanceId: instance.id }, { jobId: `provision-${instance.id}` });
    return this.view(instance);
  }

  async list(tenantId: string, limit: number, cursor?: string): Promise<{ items: InstanceView[]; nextCursor: string | null }> {
    const query = this.dataSource
      .getRepository(InstanceEntity)
      .createQueryBuilder('i')
      .where('i.tenant_id = :tenantId', { tenantId })
      .andWhere(`i.status <> 'DELETED'`)
      .orderBy('i.created_at', 'ASC')
      .addOrderBy('i.id', 'ASC')
      .limit(limit + 1);
    if (cursor) {
      // The cursor names the last instance of the previous page; PostgreSQL compares its exact
      // (microsecond) creation time, which a JavaScript Date would round.
      const id = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!UUID.test(id)) {
        throw new DomainError('bad-request', 'invalid-cursor', 'cursor: not one this API gave out', { errors: [{ field: 'cursor', message: 'not one this API gave out' }] });
      }
      query.andWhere('(i.created_at, i.id) > (SELECT c.created_at, c.id FROM instances c WHERE c.id = :cursorId AND c.tenant_id = :tenantId)', { cursorId: id });
    }
    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? Buffer.from(last.id).toString('base64url') : null;
    return { items: page.map((i) => this.view(i)), nextCursor };
  }

  async get(tenantId: string, id: string): Promise<InstanceView> {
    return this.view(await this.owned.find(tenantId, id));
  }

  async update(tenantId: string, id: string, input: { name?: string; edition?: EditionName }, caller: Caller): Promise<InstanceView> {
    // The operator's switch refuses new instances only (SPEC 2): upgrades always pass, and an
    // existing instance may move to any edition its usage fits.
    const updated = await this.write.apply({ tenantId, instanceId: id, caller }, async (tx, instance) => {
      if (instance.status === 'DELETING') throw new DomainError('conflict', 'instance-deleting', 'the instance is being deleted');
      const from = instance.edition;
      const details: Record<string, unknown> = { ...input };
      if (input.edition && input.edition !== from) {
        await this.checkEditionChange(tx, instance, input.edition);
        const moved = await this.moveEndpoints(tx, instance, input.edition);
        if (moved) details['endpoints'] = moved;
        details['previousEdition'] = from;
      }
      Object.assign(instance, input);
      return { result: await tx.save(instance), audit: { action: 'instance.update', resourceType: 'instance', resourceId: id, details }, change: { kind: 'instance' } };
    });
    return this.view(updated);
  }

  /**
   * Issue 16: where the deployment has a shared TLS endpoint, basic instances are served on it
   * only and the other editions get ports of their own too. An edition change that crosses that
   * line moves the instance's endpoints in its transaction: an upgrade allocates its three ports
   * (the provisioning job's allocator; 503 `no-free-ports` when the range is used up), a
   * downgrade releases them. The change event makes its node open or close the listeners
   * (README, "Shared endpoints and editions"). Undefined when the endpoints stay.
   */
  private async moveEndpoints(tx: EntityManager, instance: InstanceEntity, target: EditionName): Promise<'ports-allocated' | 'ports-released' | undefined> {
    const shared = this.config.sharedTlsPort !== undefined;
    // An instance still provisioning has the ports its edition gives it (its job allocates them).
    const hasPorts = instance.mqttPort !== null || (instance.status === 'PROVISIONING' && hasDedicatedPorts(instance.edition, shared));
    const wantsPorts = hasDedicatedPorts(target, shared);
    if (hasPorts === wantsPorts) return undefined;
    // Its provisioning job decides its ports from the edition it read: the move waits until it is done.
    if (instance.status === 'PROVISIONING') {
      throw new DomainError('conflict', 'instance-provisioning', `the instance is being provisioned; change its edition to ${target} once it is RUNNING`, { edition: instance.edition, targetEdition: target });
    }
    if (!wantsPorts) {
      await releaseInstancePorts(tx, instance.id);
      Object.assign(instance, { mqttPort: null, mqttsPort: null, wsPort: null });
      return 'ports-released';
    }
    const ports = await allocateInstancePorts(tx, instance, this.config.brokerPorts);
    if (!ports) {
      const { first, last } = this.config.brokerPorts;
      throw new DomainError('unavailable', 'no-free-ports', `the ${target} edition gives an instance three ports of its own, and the deployment has none left (MQC_BROKER_PORTS ${first}-${last}); the instance stays ${instance.edition}`, {
        edition: instance.edition,
        targetEdition: target,
      });
    }
    Object.assign(instance, { mqttPort: ports.mqtt, mqttsPort: ports.mqtts, wsPort: ports.ws });
    return 'ports-allocated';
  }

  /**
   * A downgrade that would leave an enabled method or a quota above the target edition is
   * refused with every blocker listed. Registered devices count as use of one device one
   * secret, whether or not its authenticator is enabled.
   */
  private async checkEditionChange(manager: EntityManager, instance: InstanceEntity, target: EditionName): Promise<void> {
    const authenticators = await manager.findBy(AuthenticatorEntity, { instanceId: instance.id });
    const builtInUsers = await manager.countBy(BuiltInUserEntity, { instanceId: instance.id });
    const devices = await manager.countBy(DeviceEntity, { instanceId: instance.id });
    const x509 = await manager.findOneBy(InstanceX509SettingsEntity, { instanceId: instance.id });
    const registeredCaCertificates = await manager.countBy(CaCertificateEntity, { instanceId: instance.id });
    const deviceCertificates = await manager.countBy(DeviceCertificateEntity, { instanceId: instance.id });
    const authorizers = await manager.findBy(AuthorizerEntity, { instanceId: instance.id });
    const aclRules = await manager.countBy(AclRuleEntity, { instanceId: instance.id });
    // One device one certificate is in use when BYOC or just-in-time registration is on.
    const byoc = x509 !== null && (x509.mode === 'BYOC' || x509.provisioning === 'JITP');
    const chainBlockers: (EditionChangeBlocker & { devices?: number })[] = editionChangeBlockers(target, {
      enabledTypes: authenticators.filter((a) => a.enabled).map((a) => a.type),
      counts: { authenticatorsPerChain: authenticators.length, builtInUsers, registeredCaCertificates, deviceCertificates, authorizersPerChain: authorizers.length, aclRules },
      methods: [...(devices > 0 ? (['device-secret'] as const) : []), ...(byoc ? (['x509-device-certificate'] as const) : [])],
    });
    const deviceBlocker = chainBlockers.find((b) => b.kind === 'method' && b.method === 'device-secret' && b.authenticatorType === undefined);
    if (deviceBlocker?.kind === 'method') deviceBlocker.devices = devices;
    const blockers: Blocker[] = [...chainBlockers, ...passwordHashBlockers(authenticators, target), ...authorizerBlockers(authorizers, target)];
    if (blockers.length > 0) {
      throw new DomainError('conflict', 'edition-downgrade-blocked', `the ${target} edition does not allow what this instance uses: ${blockers.map(describeBlocker).join('; ')}`, {
        edition: instance.edition,
        targetEdition: target,
        blockers,
      });
    }
  }

  /** `authorization` left out keeps the instance's authorization policy. */
  async setAccessPolicy(tenantId: string, id: string, policy: AccessPolicy & { authorization?: AuthorizationPolicy }, caller: Caller): Promise<InstanceView> {
    const updated = await this.write.apply({ tenantId, instanceId: id, caller }, async (tx, instance) => {
      instance.anonymousPolicy = policy.anonymous;
      instance.backendFailurePolicy = policy.onBackendFailure;
      if (policy.authorization) {
        instance.authorizationNoMatch = policy.authorization.noMatch;
        instance.authorizationDenyAction = policy.authorization.denyAction;
      }
      const audit = { action: 'instance.access-policy', resourceType: 'instance', resourceId: id, details: { ...policy } };
      const change = policy.authorization ? [{ kind: 'chain' as const }, { kind: 'authorization' as const }] : { kind: 'chain' as const };
      return { result: await tx.save(instance), audit, change };
    });
    return this.view(updated);
  }

  async delete(tenantId: string, id: string, caller: Caller): Promise<InstanceView> {
    const deleting = await this.write.apply({ tenantId, instanceId: id, caller }, async (tx, instance) => {
      // Deleting twice is the same request: answered alike, recorded once.
      if (instance.status === 'DELETING') return { result: instance, audit: null, change: { kind: 'instance' } };
      instance.status = 'DELETING';
      return { result: await tx.save(instance), audit: { action: 'instance.delete', resourceType: 'instance', resourceId: id }, change: { kind: 'instance' } };
    });
    // The job id makes a repeated delete enqueue the deprovisioning once.
    await this.jobs.enqueue('deprovision-instance', { instanceId: id }, { jobId: `deprovision-${id}` });
    return this.view(deleting);
  }
}
