import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { builtInDatabaseConfigSchema, hashCostAboveEdition, hashPassword, type PasswordHashParams } from '@mqc/auth';
import { AuthenticatorEntity, BuiltInUserEntity } from '@mqc/db';
import type { EditionName } from '@mqc/editions';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { assertWithinQuota } from '../../common/edition-gate';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';
import { deriveScramKeys, replaceScramKeys, scramSettings } from './scram-keys';

/** Passwords and hashes never leave the API. */
export interface UserView {
  userId: string;
  isSuperuser: boolean;
  algorithm: string;
  createdAt: Date;
  updatedAt: Date;
}

function view(u: BuiltInUserEntity): UserView {
  return { userId: u.userId, isSuperuser: u.isSuperuser, algorithm: String(u.algorithm['name']), createdAt: u.createdAt, updatedAt: u.updatedAt };
}

@Injectable()
export class UserService {
  private readonly rows: InstanceRows<BuiltInUserEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: OwnedInstances,
    private readonly write: InstanceChanges,
  ) {
    this.rows = new InstanceRows(dataSource, instances, BuiltInUserEntity, 'user');
  }

  /** New passwords are hashed with the instance's built-in-database authenticator's algorithm. */
  async preferredHash(manager: EntityManager, instanceId: string): Promise<{ params: PasswordHashParams; userIdType: 'username' | 'clientid' }> {
    const authenticator = await manager.findOneBy(AuthenticatorEntity, { instanceId, type: 'built-in-database' });
    const config = builtInDatabaseConfigSchema.parse(authenticator?.config ?? {});
    return { params: config.passwordHash, userIdType: config.userIdType };
  }

  /**
   * Refuses (422, naming the field) to hash with parameters above the edition's caps: an
   * algorithm set before the caps existed, or kept through a downgrade, is lowered first.
   */
  assertHashCostWithinEdition(params: PasswordHashParams, edition: EditionName): void {
    const over = hashCostAboveEdition(params, edition);
    if (over.length === 0) return;
    throw new DomainError(
      'validation',
      'hash-cost-above-edition',
      `the built-in-database authenticator hashes above what the ${edition} edition allows (${over.map((p) => p.message).join('; ')}): lower its passwordHash first`,
      { errors: over.map((p) => ({ field: `passwordHash.${p.field}`, message: p.message })) },
    );
  }

  async create(tenantId: string, instanceId: string, input: { userId: string; password: string; isSuperuser: boolean }, caller: Caller): Promise<UserView> {
    const instance = await this.instances.find(tenantId, instanceId);
    // A slow hash is made before the transaction, not while it holds the instance's lock.
    const { params, userIdType } = await this.preferredHash(this.dataSource.manager, instanceId);
    this.assertHashCostWithinEdition(params, instance.edition);
    const stored = await hashPassword(input.password, params);
    const scramKeys = await deriveScramKeys(input.password, await scramSettings(this.dataSource.manager, instanceId));
    const user = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      assertWithinQuota(instance.edition, 'builtInUsers', await manager.countBy(BuiltInUserEntity, { instanceId }));
      if (await manager.existsBy(BuiltInUserEntity, { instanceId, userId: input.userId })) {
        throw new DomainError('conflict', 'user-exists', `user ${input.userId} already exists`);
      }
      const saved = await manager.save(
        manager.create(BuiltInUserEntity, {
          instanceId,
          userId: input.userId,
          passwordHash: stored.hash,
          salt: stored.salt,
          algorithm: { ...stored.params },
          isSuperuser: input.isSuperuser,
        }),
      );
      await replaceScramKeys(manager, saved.id, scramKeys);
      return {
        result: saved,
        audit: { action: 'user.create', resourceType: 'user', resourceId: input.userId, details: { instanceId, isSuperuser: input.isSuperuser } },
        change: { kind: 'credential-changed', credential: { type: 'user', userIdType, userId: input.userId } },
      };
    });
    return view(user);
  }

  async list(tenantId: string, instanceId: string, limit: number, after?: string): Promise<{ items: UserView[]; nextCursor: string | null }> {
    const { rows, nextCursor } = await this.rows.page(tenantId, instanceId, { key: { column: 'user_id', of: (u) => u.userId }, limit, after });
    return { items: rows.map(view), nextCursor };
  }

  async get(tenantId: string, instanceId: string, userId: string): Promise<UserView> {
    return view(await this.rows.get(tenantId, instanceId, { userId }));
  }

  async update(tenantId: string, instanceId: string, userId: string, input: { password?: string; isSuperuser?: boolean }, caller: Caller): Promise<UserView> {
    const { edition } = await this.instances.find(tenantId, instanceId);
    await this.rows.get(tenantId, instanceId, { userId });
    const preferred = await this.preferredHash(this.dataSource.manager, instanceId);
    if (input.password !== undefined) this.assertHashCostWithinEdition(preferred.params, edition);
    const stored = input.password === undefined ? undefined : await hashPassword(input.password, preferred.params);
    const scramKeys = input.password === undefined ? undefined : await deriveScramKeys(input.password, await scramSettings(this.dataSource.manager, instanceId));
    const user = await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const found = await this.rows.find(manager, instance, { userId });
      if (stored) Object.assign(found, { passwordHash: stored.hash, salt: stored.salt, algorithm: { ...stored.params } });
      if (input.isSuperuser !== undefined) found.isSuperuser = input.isSuperuser;
      const saved = await manager.save(found);
      if (scramKeys) await replaceScramKeys(manager, saved.id, scramKeys);
      return {
        result: saved,
        audit: { action: 'user.update', resourceType: 'user', resourceId: userId, details: { instanceId, passwordChanged: stored !== undefined, isSuperuser: saved.isSuperuser } },
        // A new password ends the sessions made with the old one; a superuser change applies on reconnect.
        change: { kind: stored ? 'credential-revoked' : 'credential-changed', credential: { type: 'user', userIdType: preferred.userIdType, userId } },
      };
    });
    return view(user);
  }

  async delete(tenantId: string, instanceId: string, userId: string, caller: Caller): Promise<void> {
    await this.write.apply({ tenantId, instanceId, caller }, async (manager, instance) => {
      const found = await this.rows.find(manager, instance, { userId });
      await manager.delete(BuiltInUserEntity, { id: found.id });
      const { userIdType } = await this.preferredHash(manager, instanceId);
      return {
        result: undefined,
        audit: { action: 'user.delete', resourceType: 'user', resourceId: userId, details: { instanceId } },
        // Clients logged in as this user are disconnected (SPEC 4: on by default).
        change: { kind: 'credential-revoked', credential: { type: 'user', userIdType, userId } },
      };
    });
  }
}
