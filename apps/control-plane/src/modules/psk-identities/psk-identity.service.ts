import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PskIdentityEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { Caller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { assertEditionAllows } from '../../common/edition-gate';
import { SECRET_BOX } from '../../common/tokens';
import { InstanceChanges } from '../instances/instance-changes';
import { InstanceRows } from '../instances/instance-rows';
import { OwnedInstances } from '../instances/owned-instances';

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
  private readonly rows: InstanceRows<PskIdentityEntity>;

  constructor(
    dataSource: DataSource,
    instances: OwnedInstances,
    private readonly write: InstanceChanges,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
  ) {
    this.rows = new InstanceRows(dataSource, instances, PskIdentityEntity, 'psk-identity');
  }

  async list(tenantId: string, instanceId: string, limit: number, after?: string): Promise<{ items: PskIdentityView[]; nextCursor: string | null }> {
    const { rows, nextCursor } = await this.rows.page(tenantId, instanceId, { key: { column: 'identity', of: (p) => p.identity }, limit, after });
    return { items: rows.map(view), nextCursor };
  }

  async create(tenantId: string, instanceId: string, input: { identity: string; key?: string }, caller: Caller): Promise<PskIdentityView & { key: string }> {
    const key = (input.key ?? randomBytes(32).toString('hex')).toLowerCase();
    const exists = () => new DomainError('conflict', 'psk-identity-exists', `PSK identity ${input.identity} already exists`);
    const saved = await this.write.apply({ tenantId, instanceId, caller, onUniqueViolation: exists }, async (tx, instance) => {
      assertEditionAllows(instance.edition, 'psk');
      if (await tx.existsBy(PskIdentityEntity, { instanceId, identity: input.identity })) throw exists();
      const id = randomUUID();
      const row = await tx.save(tx.create(PskIdentityEntity, { id, instanceId, identity: input.identity, keySealed: this.box.seal(key, SECRET_CONTEXT.pskKey(id)) }));
      const details = { instanceId, keyGiven: input.key !== undefined };
      return { result: row, audit: { action: 'psk-identity.create', resourceType: 'psk-identity', resourceId: input.identity, details }, change: { kind: 'chain' } };
    });
    return { ...view(saved), key };
  }

  async delete(tenantId: string, instanceId: string, identity: string, caller: Caller): Promise<void> {
    // Brokers reload the instance's PSK keys and disconnect the clients of a deleted identity.
    await this.write.apply({ tenantId, instanceId, caller }, async (tx, instance) => {
      const found = await this.rows.find(tx, instance, { identity });
      await tx.delete(PskIdentityEntity, { id: found.id });
      return { result: undefined, audit: { action: 'psk-identity.delete', resourceType: 'psk-identity', resourceId: identity, details: { instanceId } }, change: { kind: 'chain' } };
    });
  }
}
