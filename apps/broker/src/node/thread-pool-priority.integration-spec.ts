import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { THREAD_POOL_NICE } from './thread-pool-priority';

const root = resolve(__dirname, '..', '..', '..', '..');
const built = join(root, 'dist', 'apps', 'broker', 'src', 'node', 'thread-pool-priority.js');

/**
 * A fresh process (this one's pool started long ago): deprioritize its pool, then read every
 * thread's nice value from /proc (field 19 of stat, counted after the parenthesised name).
 */
const PROBE = `
const { readdirSync, readFileSync } = require('node:fs');
const { deprioritizeThreadPool } = require(${JSON.stringify(built)});
deprioritizeThreadPool().then(({ threads }) => {
  const nice = {};
  for (const id of readdirSync('/proc/self/task')) {
    const stat = readFileSync('/proc/self/task/' + id + '/stat', 'utf8');
    nice[id] = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  }
  process.stdout.write(JSON.stringify({ threads, pid: process.pid, nice}));
});
`;

describe('deprioritizeThreadPool', () => {
  it('renices exactly the thread pool of a fresh process, not its event loop', () => {
    expect(existsSync(built), 'npm test builds before it runs the tests').toBe(true);
    const run = spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '3' } });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { threads: number; pid: number; nice: Record<string, number> };
    expect(report.threads).toBe(3);
    expect(report.nice[String(report.pid)]).toBe(0);
    const reniced = Object.values(report.nice).filter((value) => value === THREAD_POOL_NICE);
    expect(reniced).toHaveLength(3);
  });

  it('changes nothing once the pool has started', async () => {
    const { deprioritizeThreadPool } = await import('./thread-pool-priority');
    expect(await deprioritizeThreadPool()).toEqual({ threads: 0 });
  });
});
