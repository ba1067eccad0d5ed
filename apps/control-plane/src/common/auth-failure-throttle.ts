import { isIPv6 } from 'node:net';
import { RateLimitedError } from './domain-errors';

/** Failed authentications one source may make in a window before it is refused. */
export const AUTH_FAILURES_PER_WINDOW = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Sources tracked at once; beyond it the oldest window is forgotten first. */
export const AUTH_FAILURE_SOURCES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * The source a failure is counted against: an IPv4 address, or the /64 an IPv6 address is
 * in (one host holds a whole /64, so counting single addresses would count nothing).
 */
export function sourceOf(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Refuses API-key and operator-token guessing: each source may fail to authenticate
 * AUTH_FAILURES_PER_WINDOW times in a window that opens with its first failure; then every
 * authentication from it is 429 until the window ends. A success changes no count. Memory is
 * bounded: at most `capacity` sources are tracked.
 */
export class AuthFailureThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit = AUTH_FAILURES_PER_WINDOW,
    private readonly windowMs = AUTH_FAILURE_WINDOW_MS,
    private readonly capacity = AUTH_FAILURE_SOURCES,
    private readonly now: () => number = Date.now,
  ) {}

  get trackedSources(): number {
    return this.windows.size;
  }

  /** Throws a 429 when the source has used up its failures in the current window. */
  assertAllowed(address: string | undefined): void {
    const window = this.current(sourceOf(address));
    if (!window || window.failures < this.limit) return;
    const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000));
    throw new RateLimitedError('too-many-failed-authentications', `too many failed authentications from this address: retry in ${retryAfterSeconds} s`, retryAfterSeconds);
  }

  recordFailure(address: string | undefined): void {
    const source = sourceOf(address);
    const window = this.current(source);
    if (window) {
      window.failures++;
      return;
    }
    if (this.windows.size >= this.capacity) this.evict();
    this.windows.set(source, { startedAt: this.now(), failures: 1 });
  }

  /** The source's open window; an ended one is dropped. */
  private current(source: string): Window | undefined {
    const window = this.windows.get(source);
    if (window && this.now() - window.startedAt >= this.windowMs) {
      this.windows.delete(source);
      return undefined;
    }
    return window;
  }

  /**
   * Windows are inserted as they open, so the map is in order of their start: drops the ended
   * ones from the front, then, when none had ended, the oldest.
   */
  private evict(): void {
    const now = this.now();
    for (const [source, window] of this.windows) {
      if (now - window.startedAt < this.windowMs) break;
      this.windows.delete(source);
    }
    if (this.windows.size < this.capacity) return;
    const oldest = this.windows.keys().next().value;
    if (oldest !== undefined) this.windows.delete(oldest);
  }
}
