import { isIPv6 } from 'node:net';
import { RateLimitedError } from './domain-errors';

/** Failed authentications one source may make in a window before it is refused. */
export const AUTH_FAILURES_PER_WINDOW = 20;
export const AUTH_FAILURE_WINDOW_MS = 60_000;
/** Sources tracked at once; beyond it the oldest window is forgotten first. */
export const AUTH_FAILURE_SOURCES = 10_000;

export interface ThrottleOptions {
  limit?: number;
  windowMs?: number;
  capacity?: number;
  now?: () => number;
  /** Told once per window, when a source uses up its failures (the control plane logs it). */
  onLimitReached?: (source: string) => void;
}

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
 * authentication from it is 429 until the window ends. Each attempt is counted as a failure
 * before it is checked and given back when it succeeds (or could not be judged), so a parallel
 * burst cannot outrun the count; a success touches no other count. Memory is bounded: at most
 * `capacity` sources are tracked.
 */
export class AuthFailureThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly onLimitReached: (source: string) => void;

  constructor(options: ThrottleOptions = {}) {
    this.limit = options.limit ?? AUTH_FAILURES_PER_WINDOW;
    this.windowMs = options.windowMs ?? AUTH_FAILURE_WINDOW_MS;
    this.capacity = options.capacity ?? AUTH_FAILURE_SOURCES;
    this.now = options.now ?? Date.now;
    this.onLimitReached = options.onLimitReached ?? (() => undefined);
  }

  get trackedSources(): number {
    return this.windows.size;
  }

  /**
   * Counts an attempt from `address` as a failure until `release` says otherwise; a 429 when
   * the source has no failures left in its window. Returns the source to release.
   */
  reserve(address: string | undefined): string {
    const source = sourceOf(address);
    const window = this.current(source) ?? this.open(source);
    if (window.failures >= this.limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + this.windowMs - this.now()) / 1000));
      throw new RateLimitedError('too-many-failed-authentications', `too many failed authentications from this address: retry in ${retryAfterSeconds} s`, retryAfterSeconds);
    }
    if (++window.failures === this.limit) this.onLimitReached(source);
    return source;
  }

  /**
   * One authentication under the count: a falsy result is a failure and keeps its
   * reservation; a truthy result, or a throw (no credential sent, the database down), gives it back.
   */
  async attempt<T>(address: string | undefined, authenticate: () => T | Promise<T>): Promise<T> {
    const source = this.reserve(address);
    let result: T;
    try {
      result = await authenticate();
    } catch (error) {
      this.release(source);
      throw error;
    }
    if (result) this.release(source);
    return result;
  }

  /** The reserved attempt did not fail (it authenticated, or sent no credential to judge). */
  release(source: string): void {
    const window = this.current(source);
    if (!window) return;
    // A window whose every attempt was given back holds no failure: forget it.
    if (--window.failures <= 0) this.windows.delete(source);
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

  private open(source: string): Window {
    if (this.windows.size >= this.capacity) this.evict();
    const window = { startedAt: this.now(), failures: 0 };
    this.windows.set(source, window);
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
