import { describe, expect, it } from 'vitest';
import { countOpenFileDescriptors, defaultReserve, FileDescriptorBudget, parseOpenFileLimit, readOpenFileLimit } from './file-descriptors';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('is the soft limit of the "Max open files" line', () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(1024);
    expect(parseOpenFileLimit(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toBeUndefined();
    expect(parseOpenFileLimit('Max cpu time unlimited unlimited seconds\n')).toBeUndefined();
  });

  it("is read from this process's /proc, and undefined where there is none", () => {
    expect(readOpenFileLimit()).toBeGreaterThan(0);
    expect(readOpenFileLimit('/nonexistent/limits')).toBeUndefined();
    expect(countOpenFileDescriptors()).toBeGreaterThan(2);
    expect(countOpenFileDescriptors('/nonexistent/fd')).toBeUndefined();
  });

  it('keeps a tenth of the limit in reserve by default, 64 to 1,024', () => {
    expect([defaultReserve(256), defaultReserve(4096), defaultReserve(1_048_576)]).toEqual([64, 409, 1024]);
  });
});

describe('FileDescriptorBudget', () => {
  function budget(open: { n: number }, clock: { t: number }, limit = 100, reserve = 20) {
    return new FileDescriptorBudget({ limit, reserve, count: () => open.n, now: () => clock.t, recountAfterMs: 100 });
  }

  it('admits until the reserve, counting each admission until the next count, then refuses and says so once', () => {
    const open = { n: 70 };
    const clock = { t: 0 };
    const fds = budget(open, clock);
    fds.recount();
    expect(fds.headroom).toBe(10);
    for (let i = 0; i < 10; i++) expect(fds.admit()).toEqual({ admitted: true });
    expect(fds.headroom).toBe(0);
    expect(fds.admit()).toEqual({ admitted: false, firstRefusal: true });
    expect(fds.admit()).toEqual({ admitted: false, firstRefusal: false });
    expect(fds.refused).toBe(2);
  });

  it('counts again before refusing when its count is old, so closed sockets are given back', () => {
    const open = { n: 80 };
    const clock = { t: 0 };
    const fds = budget(open, clock);
    fds.recount();
    expect(fds.admit()).toMatchObject({ admitted: false });
    open.n = 60;
    clock.t = 50;
    expect(fds.admit()).toMatchObject({ admitted: false });
    clock.t = 150;
    expect(fds.admit()).toEqual({ admitted: true });
    expect(fds.headroom).toBe(19);
    // A new episode is logged again.
    open.n = 80;
    fds.recount();
    expect(fds.admit()).toEqual({ admitted: false, firstRefusal: true });
  });

  it('admits everything when the limit is unknown', () => {
    const fds = new FileDescriptorBudget({ limit: undefined, count: () => 1_000_000 });
    fds.recount();
    expect(fds.admit()).toEqual({ admitted: true });
    expect(fds.headroom).toBeUndefined();
  });
});
