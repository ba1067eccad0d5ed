import { readdirSync, readFileSync } from 'node:fs';

/** Linux: this process's resource limits, as `cat /proc/self/limits` shows them. */
export const LIMITS_FILE = '/proc/self/limits';
/** Linux: one entry per open file descriptor of this process. */
export const FD_DIR = '/proc/self/fd';

/**
 * The soft RLIMIT_NOFILE ("Max open files") of a /proc/<pid>/limits text; undefined when the
 * line is missing or says "unlimited". Node raises the soft limit to the hard one at start, so
 * reading our own process gives the limit that applies.
 */
export function parseOpenFileLimit(limitsText: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s+/m.exec(limitsText);
  if (!match || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}

/** This process's open-file limit, or undefined where /proc cannot tell (not Linux). */
export function readOpenFileLimit(file = LIMITS_FILE): number | undefined {
  try {
    return parseOpenFileLimit(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** File descriptors this process holds now (undefined where /proc cannot tell). */
export function countOpenFileDescriptors(dir = FD_DIR): number | undefined {
  try {
    return readdirSync(dir).length;
  } catch {
    return undefined;
  }
}

/** The default reserve: a tenth of the limit, at least 64 and at most 1,024. */
export function defaultReserve(limit: number): number {
  return Math.min(1_024, Math.max(64, Math.floor(limit / 10)));
}

export interface FileDescriptorBudgetOptions {
  /** The open-file limit; undefined: unknown, every CONNECT is admitted. */
  limit: number | undefined;
  /** Kept free of client connections (admin server, database and outbound calls, new listeners). */
  reserve?: number;
  /** Counts the process's descriptors now. */
  count?: () => number | undefined;
  /** How old a count may be before a CONNECT near the edge counts again. Default 100 ms. */
  recountAfterMs?: number;
  now?: () => number;
}

/**
 * Keeps client connections below the open-file limit minus a reserve, so that at the limit the
 * node still answers /healthz and /metrics, reaches PostgreSQL and Redis, and opens listeners:
 * a CONNECT that would eat into the reserve is refused (CONNACK 0x97) and its socket closed.
 *
 * Counting /proc/self/fd costs a directory read, so the count is refreshed on a timer and
 * between two counts every admitted CONNECT is added (sockets closed meanwhile are not
 * subtracted: the estimate errs towards refusing). A CONNECT the estimate would refuse counts
 * again first when the last count is older than `recountAfterMs`.
 */
export class FileDescriptorBudget {
  readonly limit: number | undefined;
  readonly reserve: number;
  private readonly count: () => number | undefined;
  private readonly recountAfterMs: number;
  private readonly now: () => number;
  private counted = 0;
  private countedAt = Number.NEGATIVE_INFINITY;
  private admittedSinceCount = 0;
  private refusedInARow = 0;
  private refusedTotal = 0;

  constructor(options: FileDescriptorBudgetOptions) {
    this.limit = options.limit;
    this.reserve = options.reserve ?? (options.limit === undefined ? 0 : defaultReserve(options.limit));
    this.count = options.count ?? countOpenFileDescriptors;
    this.recountAfterMs = options.recountAfterMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /** Counts the open descriptors now (the node calls it every second). */
  recount(): void {
    const open = this.count();
    if (open === undefined) return;
    this.counted = open;
    this.countedAt = this.now();
    this.admittedSinceCount = 0;
  }

  /** Descriptors in use, as far as the budget knows. */
  get inUse(): number {
    return this.counted + this.admittedSinceCount;
  }

  /** Client connections that may still be admitted before the reserve; undefined when the limit is unknown. */
  get headroom(): number | undefined {
    return this.limit === undefined ? undefined : this.limit - this.reserve - this.inUse;
  }

  /** CONNECTs refused since the node started. */
  get refused(): number {
    return this.refusedTotal;
  }

  /**
   * Whether one more client connection fits. `firstRefusal` is true for the first refusal
   * since the last admission, so the node logs the episode once, not once per CONNECT.
   */
  admit(): { admitted: true } | { admitted: false; firstRefusal: boolean } {
    if (this.limit === undefined) return { admitted: true };
    if ((this.headroom ?? 0) <= 0 && this.now() - this.countedAt >= this.recountAfterMs) this.recount();
    if ((this.headroom ?? 0) <= 0) {
      this.refusedTotal++;
      return { admitted: false, firstRefusal: this.refusedInARow++ === 0 };
    }
    this.refusedInARow = 0;
    this.admittedSinceCount++;
    return { admitted: true };
  }
}
