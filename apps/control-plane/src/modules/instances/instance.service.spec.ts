import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { MqcConfig } from '@mqc/config';
import { AuthenticatorEntity, BuiltInUserEntity } from '@mqc/db';
import type { JobProducer } from '@mqc/queue';
import type { Caller } from '../../common/caller';
import { InMemoryWritePath } from '../../test/in-memory-write-path.spec-helper';
import type { AuditService } from '../audit/audit.service';
import type { EditionService } from '../editions/edition.service';
import { InstanceService } from './instance.service';
import type { OwnedInstances } from './owned-instances';

const caller: Caller = { kind: 'tenant', tenantId: 't1', apiKeyId: 'k1' };

/** The rules of changing and deleting an instance; creating and listing are covered by instances.integration-spec.ts. */
function setup() {
  const store = new InMemoryWritePath();
  const instance = store.addInstance({ id: 'i1', tenantId: 't1', edition: 'platinum', name: 'one' });
  const enqueued: string[] = [];
  const jobs = { enqueue: async (name: string, _payload: unknown, options: { jobId: string }) => enqueued.push(`${name} ${options.jobId}`) } as unknown as JobProducer;
  const config = { publicHost: 'mqc.test' } as MqcConfig;
  const instances = new InstanceService({} as DataSource, {} as AuditService, {} as OwnedInstances, store.write, {} as EditionService, config, jobs);
  return { store, instance, instances, enqueued };
}

describe('InstanceService', () => {
  it('refuses a downgrade with every blocker listed, and changes nothing', async () => {
    const { store, instance, instances } = setup();
    for (const [i, type] of (['jwt', 'http', 'built-in-database'] as const).entries()) {
      store.table(AuthenticatorEntity).push({ id: `a${i}`, instanceId: 'i1', type, enabled: true, config: {} });
    }
    store.table(BuiltInUserEntity).push({ id: 'u1', instanceId: 'i1', userId: 'u' });
    const downgrade = instances.update('t1', 'i1', { edition: 'basic' }, caller);
    await expect(downgrade).rejects.toMatchObject({
      code: 'edition-downgrade-blocked',
      extra: {
        edition: 'platinum',
        targetEdition: 'basic',
        blockers: expect.arrayContaining([
          { kind: 'method', method: 'jwt', authenticatorType: 'jwt' },
          { kind: 'method', method: 'http', authenticatorType: 'http' },
          { kind: 'quota', quota: 'authenticatorsPerChain', used: 3, limit: 2 },
        ]),
      },
    });
    expect(instance.edition).toBe('platinum');
    expect(store.audit).toEqual([]);
    expect(store.published).toEqual([]);
  });

  it('records the previous edition of a change of edition and tells the brokers', async () => {
    const { store, instances } = setup();
    const view = await instances.update('t1', 'i1', { edition: 'professional', name: 'renamed' }, caller);
    expect(view).toMatchObject({ edition: 'professional', name: 'renamed' });
    expect(store.audit).toMatchObject([{ action: 'instance.update', resourceId: 'i1', details: { edition: 'professional', name: 'renamed', previousEdition: 'platinum' } }]);
    expect(store.published).toEqual([{ kind: 'instance', instanceId: 'i1' }]);
  });

  it('deletes once: a repeated delete answers alike, is not recorded again, and enqueues the same job', async () => {
    const { store, instances, enqueued } = setup();
    expect(await instances.delete('t1', 'i1', caller)).toMatchObject({ status: 'DELETING' });
    expect(await instances.delete('t1', 'i1', caller)).toMatchObject({ status: 'DELETING' });
    expect(store.audit.map((a) => a.action)).toEqual(['instance.delete']);
    expect(enqueued).toEqual(['deprovision-instance deprovision-i1', 'deprovision-instance deprovision-i1']);
    await expect(instances.update('t1', 'i1', { name: 'late' }, caller)).rejects.toMatchObject({ code: 'instance-deleting' });
  });
});
