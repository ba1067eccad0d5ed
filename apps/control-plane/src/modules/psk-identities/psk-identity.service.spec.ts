import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { PskIdentityEntity } from '@mqc/db';
import { SECRET_CONTEXT, SecretBox } from '@mqc/domain';
import type { EditionName } from '@mqc/editions';
import type { Caller } from '../../common/caller';
import { InMemoryWritePath } from '../../test/in-memory-write-path.spec-helper';
import type { OwnedInstances } from '../instances/owned-instances';
import { PskIdentityService } from './psk-identity.service';

const caller: Caller = { kind: 'tenant', tenantId: 't1', apiKeyId: 'k1' };

/** The rules of TLS-PSK identities; the list is covered by the platinum-psk end-to-end spec. */
function setup(edition: EditionName) {
  const store = new InMemoryWritePath();
  store.addInstance({ id: 'i1', tenantId: 't1', edition });
  const box = new SecretBox(Buffer.alloc(32, 5));
  const identities = new PskIdentityService({} as DataSource, {} as OwnedInstances, store.write, box);
  const stored = () => store.table(PskIdentityEntity) as unknown as PskIdentityEntity[];
  const keyOf = (row: PskIdentityEntity) => box.openText(row.keySealed, SECRET_CONTEXT.pskKey(row.id));
  return { store, identities, stored, keyOf };
}

describe('PskIdentityService', () => {
  it('keeps a given key in lower case, sealed for that identity, and tells the brokers to reload the chain', async () => {
    const { store, identities, stored, keyOf } = setup('platinum');
    const created = await identities.create('t1', 'i1', { identity: 'sensor-1', key: 'ABCDEF0123456789ABCDEF0123456789' }, caller);
    expect(created.key).toBe('abcdef0123456789abcdef0123456789');
    expect(keyOf(stored()[0]!)).toBe(created.key);
    expect(store.audit).toMatchObject([{ action: 'psk-identity.create', resourceId: 'sensor-1', details: { instanceId: 'i1', keyGiven: true } }]);
    expect(store.published).toEqual([{ kind: 'chain', instanceId: 'i1' }]);
  });

  it('generates 32 random bytes as hex when no key is given', async () => {
    const { identities, store } = setup('platinum');
    const a = await identities.create('t1', 'i1', { identity: 'a' }, caller);
    const b = await identities.create('t1', 'i1', { identity: 'b' }, caller);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(b.key).not.toBe(a.key);
    expect(store.audit[0]).toMatchObject({ details: { keyGiven: false } });
  });

  it('refuses PSK below platinum (403 naming platinum) and an identity twice (409), writing nothing', async () => {
    const professional = setup('professional');
    await expect(professional.identities.create('t1', 'i1', { identity: 'a' }, caller)).rejects.toMatchObject({ code: 'method-not-in-edition', extra: { requiredEdition: 'platinum' } });
    expect(professional.stored()).toEqual([]);
    const platinum = setup('platinum');
    await platinum.identities.create('t1', 'i1', { identity: 'a' }, caller);
    await expect(platinum.identities.create('t1', 'i1', { identity: 'a' }, caller)).rejects.toMatchObject({ code: 'psk-identity-exists' });
    expect(platinum.stored()).toHaveLength(1);
    expect(platinum.store.published).toHaveLength(1);
  });

  it('deletes an identity (brokers reload and disconnect its clients), and answers 404 for one it does not have', async () => {
    const { identities, store, stored } = setup('platinum');
    await identities.create('t1', 'i1', { identity: 'a' }, caller);
    await identities.delete('t1', 'i1', 'a', caller);
    expect(stored()).toEqual([]);
    expect(store.published.at(-1)).toEqual({ kind: 'chain', instanceId: 'i1' });
    await expect(identities.delete('t1', 'i1', 'a', caller)).rejects.toMatchObject({ code: 'psk-identity-not-found' });
    expect(store.published).toHaveLength(2);
  });
});
