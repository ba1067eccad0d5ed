import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PskIdentityEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { ChangeBus } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { assertEditionAllows } from '../../common/edition-gate';
import { CHANGE_BUS, SECRET_BOX } from '../../common/tokens';
import { AuditService } from '../audit/audit.service';
import { InstanceService } from '../instances/instance.service';
import { isUniqueViolation } from '../../common/unique-violation';
import { keysetPage } from '../../common/keyset-page';

/** Keys never come back after they were shown once. */
export interface PskIdentityView {
  identity: string;
  createdAt: Date;
}

function view(row: PskIdentityEntity): PskIdentityView {
  return { identity: row.identity, createdAt: row.createdAt };
}

/**
 * SPEC 4.6: the TLS-PSK identities of an instance (platinum). Keys are sealed at rest; a
 * change reaches the broker nodes as a chain event, and a deleted identity's clients are
 * disconnected there.
 */
@Injectable()
export class PskIdentityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly instances: InstanceService,
    private readonly audit: AuditService,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(CHANGE_BUS) private readonly changes: ChangeBus,
  ) {}

  async list(tenantId: string, instanceId: string, limit: number, after?: string): Promise<{ items: PskIdentityView[]; nextCursor: string | null }> {
    await this.instances.findOwned(tenantId, instanceId);
    const query = this.dataSource.getRepository(PskIdentityEntity).createQueryBuilder('p').where('p.instance_id = :instanceId', { instanceId });
    const { rows, nextCursor } = await keysetPage(query, { keyColumn: 'p.identity', keyOf: (p) => p.identity, limit, after });
    return { items: rows.map(view), nextCursor };
  }

  async create(tenantId: string, instanceId: string, input: { identity: string; key?: string }, caller: Caller): Promise<PskIdentityView & { key: string }> {
    const key = (input.key ?? randomBytes(32).toString('hex')).toLowerCase();
    let saved: PskIdentityEntity;
    try {
      saved = await this.dataSource.transaction(async (manager) => {
        const instance = await this.instances.findOwnedForUpdate(tenantId, instanceId, manager);
        assertEditionAllows(instance.edition, 'psk');
        if (await manager.existsBy(PskIdentityEntity, { instanceId, identity: input.identity })) {
          throw new DomainError('conflict', 'psk-identity-exists', `PSK identity ${input.identity} already exists`);
        }
        const id = randomUUID();
        const row = await manager.save(
          manager.create(PskIdentityEntity, { id, instanceId, identity: input.identity, keySealed: this.box.seal(key, SECRET_CONTEXT.pskKey(id)) }),
        );
        await this.audit.record(manager, {
          tenantId,
          caller,
          action: 'psk-identity.create',
          resourceType: 'psk-identity',
          resourceId: input.identity,
          details: { instanceId, keyGiven: input.key !== undefined },
        });
        return row;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('conflict', 'psk-identity-exists', `PSK identity ${input.identity} already exists`);
      throw error;
    }
    await this.changes.publish({ kind: 'chain', instanceId });
    return { ...view(saved), key };
  }

  async delete(tenantId: string, instanceId: string, identity: string, caller: Caller): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.instances.findOwned(tenantId, instanceId, manager);
      const found = await manager.findOneBy(PskIdentityEntity, { instanceId, identity });
      if (!found) throw new NotFoundError('psk-identity');
      await manager.delete(PskIdentityEntity, { id: found.id });
      await this.audit.record(manager, { tenantId, caller, action: 'psk-identity.delete', resourceType: 'psk-identity', resourceId: identity, details: { instanceId } });
    });
    // Brokers reload the instance's PSK keys and disconnect the clients of a deleted identity.
    await this.changes.publish({ kind: 'chain', instanceId });
  }
}
