import { describe, expect, it } from 'vitest';
import type { DatabaseAcl } from '@mqc/auth';
import { aclClient, publish } from './sql-acl-cases.spec-helper';
import { cachedRowsSource } from './cached-rows-source';

const AUTHORIZER = { id: 'authz-1', type: 'postgresql' } as const;
const ALLOW_A: DatabaseAcl = { kind: 'rules', rules: [{ permission: 'allow', action: 'publish', topic: 'a/${clientid}', id: 'row[0]' }] };

/** A reader the test answers by hand, counting the reads (the unit under test is the cache). */
function manualReader() {
  const pending: ((acl: DatabaseAcl | Error) => void)[] = [];
  const reader = {
    reads: 0,
    read: () => {
      reader.reads++;
      return new Promise<DatabaseAcl>((resolve, reject) => pending.push((acl) => (acl instanceof Error ? reject(acl) : resolve(acl))));
    },
    answer(acl: DatabaseAcl | Error) {
      pending.shift()?.(acl);
    },
  };
  return reader;
}

describe('cachedRowsSource', () => {
  it('lets concurrent checks share one read, then answers from memory until the TTL', async () => {
    const reader = manualReader();
    let now = 0;
    const source = cachedRowsSource(AUTHORIZER, aclClient('alice'), reader.read, 1_000, () => now);
    const first = source.check(publish('a/dev-1'));
    const second = source.check(publish('a/other'));
    reader.answer(ALLOW_A);
    expect(await first).toMatchObject({ kind: 'allow', ruleId: 'row[0]' });
    expect(await second).toEqual({ kind: 'no-match' });
    now = 999;
    expect(await source.check(publish('a/dev-1'))).toMatchObject({ kind: 'allow' });
    expect(reader.reads).toBe(1);
    now = 1_000;
    const third = source.check(publish('a/dev-1'));
    reader.answer({ kind: 'rules', rules: [] });
    expect(await third).toEqual({ kind: 'no-match' });
    expect(reader.reads).toBe(2);
  });

  it('answers error on a failed read or an unreadable row and keeps neither: the next check reads again', async () => {
    const reader = manualReader();
    const source = cachedRowsSource(AUTHORIZER, aclClient('alice'), reader.read, 60_000, () => 0);
    const failed = source.check(publish('a/dev-1'));
    reader.answer(new Error('PostgreSQL postgres://db: connection refused'));
    expect(await failed).toEqual({ kind: 'error', message: 'PostgreSQL postgres://db: connection refused' });
    const unreadable = source.check(publish('a/dev-1'));
    reader.answer({ kind: 'unreadable', reason: 'row[0]: permission: permission must be allow or deny' });
    expect(await unreadable).toEqual({ kind: 'error', message: 'unreadable rule: row[0]: permission: permission must be allow or deny' });
    const recovered = source.check(publish('a/dev-1'));
    reader.answer(ALLOW_A);
    expect(await recovered).toMatchObject({ kind: 'allow' });
    expect(reader.reads).toBe(3);
  });

  it('keeps the rows read before a failure only until their TTL: a stale read is never used after it', async () => {
    const reader = manualReader();
    let now = 0;
    const source = cachedRowsSource(AUTHORIZER, aclClient('alice'), reader.read, 1_000, () => now);
    const first = source.check(publish('a/dev-1'));
    reader.answer(ALLOW_A);
    await first;
    now = 5_000;
    const failed = source.check(publish('a/dev-1'));
    reader.answer(new Error('timeout'));
    expect(await failed).toEqual({ kind: 'error', message: 'timeout' });
  });
});
