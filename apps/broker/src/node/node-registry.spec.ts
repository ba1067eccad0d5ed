import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { NodeRegistry } from './node-registry';

/** The registry alone: a data source that records the statements it is given. */
function recordingDataSource(): { dataSource: DataSource; statements: { sql: string; params: unknown[] }[] } {
  const statements: { sql: string; params: unknown[] }[] = [];
  const dataSource = {
    query: (sql: string, params: unknown[] = []) => {
      statements.push({ sql, params });
      return Promise.resolve(sql.includes('RETURNING id') ? [{ id: 'node-1' }] : []);
    },
  } as unknown as DataSource;
  return { dataSource, statements };
}

describe('NodeRegistry heartbeat (issue 16: a report of 10,000 instances is not written every 2 s)', () => {
  it('writes the report when it changed and only last_seen_at while it is the same', async () => {
    const { dataSource, statements } = recordingDataSource();
    let report = JSON.stringify({ a: { clients: 0 } });
    const registry = new NodeRegistry(dataSource, 'node', () => report);
    await registry.register();
    await registry.deregister();
    statements.length = 0;

    await registry.heartbeat();
    await registry.heartbeat();
    report = JSON.stringify({ a: { clients: 1 } });
    await registry.heartbeat();
    await registry.heartbeat();
    expect(statements.map((s) => (s.sql.includes('instances =') ? s.params[1] : 'last_seen_at only'))).toEqual([
      '{"a":{"clients":0}}',
      'last_seen_at only',
      '{"a":{"clients":1}}',
      'last_seen_at only',
    ]);
  });
});
