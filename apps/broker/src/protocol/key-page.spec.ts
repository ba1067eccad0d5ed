import { describe, expect, it } from 'vitest';
import { KeyPage, pageWithinBytes } from './key-page';

function page(keys: string[], limit: number, after?: string) {
  const selection = new KeyPage<string>(limit, after);
  for (const key of keys) selection.offer(key, key.toUpperCase());
  return selection.result();
}

describe('KeyPage', () => {
  const keys = ['m', 'c', 'x', 'a', 'q', 'b', 'z', 'd'];

  it('keeps the smallest keys after the cursor, in order, and names the next cursor while more follow', () => {
    expect(page(keys, 3)).toEqual({ items: ['A', 'B', 'C'], nextCursor: 'c' });
    expect(page(keys, 3, 'c')).toEqual({ items: ['D', 'M', 'Q'], nextCursor: 'q' });
    expect(page(keys, 3, 'q')).toEqual({ items: ['X', 'Z'], nextCursor: null });
    expect(page(keys, 2, 'x')).toEqual({ items: ['Z'], nextCursor: null });
    expect(page(keys, 8)).toEqual({ items: ['A', 'B', 'C', 'D', 'M', 'Q', 'X', 'Z'], nextCursor: null });
  });

  it('pages through every key exactly once, whatever the order they are walked in', () => {
    const many = Array.from({ length: 500 }, (_, i) => `k${String((i * 7919) % 500).padStart(3, '0')}`);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const next = page(many, 37, after);
      seen.push(...next.items);
      after = next.nextCursor ?? undefined;
    } while (after !== undefined);
    expect(seen).toEqual([...many].sort().map((k) => k.toUpperCase()));
  });

  it('cuts a page whose JSON passes the budget after the last item that fits, always keeping one, with the cursor after it', () => {
    const items = ['a', 'b', 'c', 'd'].map((key) => ({ key, text: key.repeat(100) }));
    const one = Buffer.byteLength(JSON.stringify(items[0]));
    expect(pageWithinBytes(items, 'd', (i) => i.key, one * 2 + 1)).toEqual({ items: items.slice(0, 2), nextCursor: 'b' });
    expect(pageWithinBytes(items, null, (i) => i.key, 1)).toEqual({ items: items.slice(0, 1), nextCursor: 'a' });
    expect(pageWithinBytes(items, null, (i) => i.key, one * 4)).toEqual({ items, nextCursor: null });
  });
});
