import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blockedOnTheWay } from './embedded-postgres-host';

// Another account than ours, in no group of ours: it passes where others may.
const stranger = { uid: 54_321, gid: 54_321 };

describe('the way from / to the embedded cluster', () => {
  it('names the first directory the server account may not pass through', () => {
    const closed = mkdtempSync(join(tmpdir(), 'mqc-way-'));
    chmodSync(closed, 0o700);
    mkdirSync(join(closed, 'data', 'pg'), { recursive: true });
    expect(blockedOnTheWay(join(closed, 'data', 'pg'), stranger)).toBe(closed);
  });

  it('finds nothing in the way when every directory lets others pass', () => {
    const open = mkdtempSync(join(tmpdir(), 'mqc-way-'));
    chmodSync(open, 0o711);
    mkdirSync(join(open, 'pg'), { mode: 0o701 });
    expect(blockedOnTheWay(join(open, 'pg'), stranger)).toBeUndefined();
  });

  it('stops at a directory not made yet', () => {
    const open = mkdtempSync(join(tmpdir(), 'mqc-way-'));
    chmodSync(open, 0o711);
    expect(blockedOnTheWay(join(open, 'later', 'pg'), stranger)).toBeUndefined();
  });

  it('goes by the owner bits for the owner and the group bits for its group', () => {
    const mine = mkdtempSync(join(tmpdir(), 'mqc-way-'));
    chmodSync(mine, 0o700);
    const me = { uid: process.getuid!(), gid: process.getgid!() };
    expect(blockedOnTheWay(mine, me)).toBeUndefined();
    chmodSync(mine, 0o070);
    expect(blockedOnTheWay(mine, { uid: stranger.uid, gid: me.gid })).toBeUndefined();
    expect(blockedOnTheWay(mine, me)).toBe(mine);
    chmodSync(mine, 0o700);
  });
});
