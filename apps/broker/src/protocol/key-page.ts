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
