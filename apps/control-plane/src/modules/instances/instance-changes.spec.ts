import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { PskIdentityEntity } from '@mqc/db';
import type { Caller } from '../../common/caller';
import { DomainError, NotFoundError } from '../../common/domain-errors';
import { InMemoryWritePath } from '../../test/in-memory-write-path.spec-helper';

const caller: Caller = { kind: 'tenant', tenantId: 't1', apiKeyId: 'k1' };

function setup() {
  const store = new InMemoryWritePath();
  store.addInstance({ id: 'i1', tenantId: 't1', edition: 'platinum' });
  return store;
}

function uniqueViolation(): QueryFailedError {
  return new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' }));
}

describe('InstanceChanges', () => {
  it('locks the owned instance, records the audit event in the transaction, commits, then publishes the change for the instance', async () => {
    const store = setup();
    const result = await store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async (tx, instance) => {
      await tx.save(tx.create(PskIdentityEntity, { id: 'p1', instanceId: instance.id, identity: 'a' }));
      return { result: instance.edition, audit: { action: 'psk-identity.create', resourceType: 'psk-identity', resourceId: 'a' }, change: { kind: 'chain' } };
    });
    expect(result).toBe('platinum');
    expect(store.journal).toEqual(['lock i1', 'audit psk-identity.create', 'commit', 'publish chain']);
    expect(store.audit).toEqual([{ tenantId: 't1', caller, action: 'psk-identity.create', resourceType: 'psk-identity', resourceId: 'a' }]);
    expect(store.published).toEqual([{ kind: 'chain', instanceId: 'i1' }]);
    expect(store.table(PskIdentityEntity)).toHaveLength(1);
  });

  it('answers another tenant as if the instance did not exist, and runs nothing', async () => {
    const store = setup();
    let ran = false;
    const change = store.write.apply({ tenantId: 't2', instanceId: 'i1', caller }, async () => {
      ran = true;
      return { result: undefined, audit: null, change: null };
    });
    await expect(change).rejects.toBeInstanceOf(NotFoundError);
    expect(ran).toBe(false);
    expect(store.audit).toEqual([]);
    expect(store.published).toEqual([]);
  });

  it('publishes nothing and keeps no row when the change is refused', async () => {
    const store = setup();
    const refused = store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async (tx) => {
      await tx.save(tx.create(PskIdentityEntity, { id: 'p1', instanceId: 'i1', identity: 'a' }));
      throw new DomainError('conflict', 'psk-identity-exists', 'exists');
    });
    await expect(refused).rejects.toMatchObject({ code: 'psk-identity-exists' });
    expect(store.journal).toEqual(['lock i1', 'rollback']);
    expect(store.table(PskIdentityEntity)).toEqual([]);
    expect(store.published).toEqual([]);
  });

  it('records nothing for a request that changed nothing, and tells the brokers only when asked to', async () => {
    const store = setup();
    await store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => ({ result: undefined, audit: null, change: { kind: 'instance' } }));
    await store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => ({ result: undefined, audit: { action: 'x', resourceType: 'instance', resourceId: 'i1' }, change: null }));
    expect(store.journal).toEqual(['lock i1', 'commit', 'publish instance', 'lock i1', 'audit x', 'commit']);
  });

  it("moves the instance's revision in the transaction of every change the nodes are told of, and of no other", async () => {
    const store = setup();
    await store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => ({ result: undefined, audit: null, change: { kind: 'chain' } }));
    await store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => ({ result: undefined, audit: null, change: null }));
    expect(store.touched).toEqual(['i1']);
    const refused = store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => {
      throw new DomainError('conflict', 'x', 'x');
    });
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    expect(store.touched).toEqual(['i1']);
  });

  it('publishes several change events in the order given, after the commit', async () => {
    const store = setup();
    await store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => ({
      result: undefined,
      audit: { action: 'instance.access-policy', resourceType: 'instance', resourceId: 'i1' },
      change: [{ kind: 'chain' }, { kind: 'authorization' }],
    }));
    expect(store.journal).toEqual(['lock i1', 'audit instance.access-policy', 'commit', 'publish chain', 'publish authorization']);
    expect(store.published).toEqual([
      { kind: 'chain', instanceId: 'i1' },
      { kind: 'authorization', instanceId: 'i1' },
    ]);
  });

  it('turns a unique violation into the refusal the caller names; other failures pass unchanged', async () => {
    const store = setup();
    const exists = () => new DomainError('conflict', 'psk-identity-exists', 'PSK identity a already exists');
    const raced = store.write.apply({ tenantId: 't1', instanceId: 'i1', caller, onUniqueViolation: exists }, async () => {
      throw uniqueViolation();
    });
    await expect(raced).rejects.toMatchObject({ kind: 'conflict', code: 'psk-identity-exists' });
    const unnamed = store.write.apply({ tenantId: 't1', instanceId: 'i1', caller }, async () => {
      throw uniqueViolation();
    });
    await expect(unnamed).rejects.toBeInstanceOf(QueryFailedError);
    expect(store.published).toEqual([]);
  });
});
