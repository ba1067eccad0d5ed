/**
 * Deadlines for many items on one interval (a hashed timer wheel): what a per-connection
 * `setTimeout` would do, without a timer object, a re-armed timer or a closure per item. The
 * interval runs only while something is scheduled and never keeps the process alive. An item
 * fires on the first tick at or after its deadline (at most one tick late); its handler may
 * schedule it again. An item holds at most one deadline per wheel.
 */
export class TimerWheel<T> {
  /** Per slot: the items whose deadline falls in it (this round or a later one), with their deadline. */
  private readonly slots: Array<Map<T, number>>;
  /** Each scheduled item's slot, to cancel it. */
  private readonly slotOf = new Map<T, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The next slot to visit, and the time it is visited at. */
  private cursor = 0;
  private cursorTime = 0;

  constructor(
    private readonly tickMs: number,
    slotCount: number,
    private readonly onDue: (item: T, now: number) => void,
  ) {
    this.slots = Array.from({ length: slotCount }, () => new Map<T, number>());
  }

  get size(): number {
    return this.slotOf.size;
  }

  has(item: T): boolean {
    return this.slotOf.has(item);
  }

  /** Schedules `item` at `deadline` (ms since the epoch), replacing its earlier deadline. */
  schedule(item: T, deadline: number): void {
    this.cancel(item);
    if (this.timer === undefined) this.start();
    this.followClockBack(Date.now());
    // A deadline already past goes in the next slot visited.
    const ticksAhead = Math.max(0, Math.ceil((deadline - this.cursorTime) / this.tickMs));
    const slot = (this.cursor + ticksAhead) % this.slots.length;
    this.slots[slot]!.set(item, deadline);
    this.slotOf.set(item, slot);
  }

  cancel(item: T): void {
    const slot = this.slotOf.get(item);
    if (slot === undefined) return;
    this.slotOf.delete(item);
    this.slots[slot]!.delete(item);
    if (this.slotOf.size === 0) this.stop();
  }

  /** After the clock went back, the cursor's time restarts from now (the slots keep their items). */
  private followClockBack(now: number): void {
    if (this.cursorTime > now + this.tickMs) this.cursorTime = now + this.tickMs;
  }

  private start(): void {
    this.cursorTime = Date.now() + this.tickMs;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref?.();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Visits the slots whose time has come: more than one when the event loop was late, every
   * slot once at most when the clock jumped ahead. A clock that went back restarts the cursor
   * from now; every item is still checked against its own deadline.
   */
  private tick(): void {
    const now = Date.now();
    this.followClockBack(now);
    for (let visits = 0; this.cursorTime <= now && this.timer !== undefined; visits++) {
      if (visits === this.slots.length) {
        this.cursorTime = now + this.tickMs;
        break;
      }
      const slot = this.slots[this.cursor]!;
      this.cursor = (this.cursor + 1) % this.slots.length;
      this.cursorTime += this.tickMs;
      if (slot.size === 0) continue;
      for (const [item, deadline] of slot) {
        // A deadline a whole round or more ahead stays for a later visit.
        if (deadline > now) continue;
        slot.delete(item);
        this.slotOf.delete(item);
        this.onDue(item, now);
      }
    }
    if (this.slotOf.size === 0) this.stop();
  }
}
