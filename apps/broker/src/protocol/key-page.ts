/** How many items a console page looks at between two turns of the event loop (the packet path goes on meanwhile). */
export const ITEMS_PER_TURN = 5_000;

/** Lets the event loop run (pending packets, timers) before the walk goes on. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One page of items ordered by a unique text key (client id, topic), chosen while walking items
 * in any order: keeps only the `limit + 1` smallest keys after `after` (binary insertion), so a
 * page costs one walk and no sort or copy of everything walked.
 */
export class KeyPage<T> {
  private readonly kept: { key: string; item: T }[] = [];

  constructor(
    private readonly limit: number,
    private readonly after: string | undefined,
  ) {}

  offer(key: string, item: T): void {
    if (this.after !== undefined && key <= this.after) return;
    const kept = this.kept;
    if (kept.length > this.limit && key >= kept[kept.length - 1]!.key) return;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (kept[middle]!.key < key) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, { key, item });
    if (kept.length > this.limit + 1) kept.pop();
  }

  /** The page, and the cursor of the next one (the last key given) when more items followed. */
  result(): { items: T[]; nextCursor: string | null } {
    const page = this.kept.slice(0, this.limit);
    const more = this.kept.length > this.limit;
    return { items: page.map((k) => k.item), nextCursor: more ? page[page.length - 1]!.key : null };
  }
}

/**
 * How many of a page's items fit in `budget` bytes of JSON (at least one, so a page always
 * moves on): a page of long client ids or topics is cut short, its cursor then the last kept.
 */
export function fittingInBytes(items: readonly unknown[], budget: number): number {
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    used += Buffer.byteLength(JSON.stringify(items[i]));
    if (used > budget && i > 0) return i;
  }
  return items.length;
}

/** The page cut to what fits in `budget` bytes of JSON, with the cursor that follows it. */
export function pageWithinBytes<T>(items: T[], nextCursor: string | null, keyOf: (item: T) => string, budget: number): { items: T[]; nextCursor: string | null } {
  const fitting = fittingInBytes(items, budget);
  if (fitting === items.length) return { items, nextCursor };
  const kept = items.slice(0, fitting);
  return { items: kept, nextCursor: keyOf(kept[kept.length - 1]!) };
}
