import { CONNACK_311, CONNACK_5 } from '../chain/connack-codes';
import { formatIp, parseIp } from '../outbound/ip-address';

export interface FailedAuthThrottleOptions {
  /** Failures a source may make in a burst before it is blocked. Default 10. */
  maxFailures?: number;
  /** The burst refills over this many seconds (maxFailures per window, sustained). Default 60. */
  windowSeconds?: number;
  /** How long a source that used up its failures is refused. Default 60. */
  blockSeconds?: number;
  /** Sources tracked at most; beyond it the least recently seen go first. Default 100 000. */
  maxSources?: number;
  /** IPv6 sources count per prefix of this length (one host holds a whole /64). Default 64. */
  ipv6PrefixLength?: number;
  /** CONNECTs of one source whose credentials are being checked at once; beyond it they are refused at once. Default 8. */
  maxPending?: number;
  /** Milliseconds since the epoch (monotonic enough); injectable for tests. */
  now?: () => number;
}

export type ThrottleVerdict = { throttled: false } | { throttled: true; retryAfterMs: number };

/** Why a CONNECT was refused before its credentials were checked. */
export type ThrottleCause = 'blocked' | 'busy';

/**
 * One CONNECT whose credentials the chain may check: it holds one of its source's failures
 * until the chain has decided, so a parallel burst cannot have more passwords checked than
 * the source may fail.
 */
export interface AuthAttempt {
  /** The chain is no longer working for it (it decided, or waits for the client's next AUTH): the source's slot is free. */
  leaveChain(): void;
  /** The client's credentials were refused: the failure stays spent, and a source that has none left is blocked. */
  fail(): ThrottleVerdict;
  /** Allowed, or not the client's failure (a backend failure): the failure is given back. */
  giveBack(): void;
}

export type Admission =
  | { admitted: true; attempt: AuthAttempt }
  /** `firstRefusal`: the first since the source was last admitted (log it once, not a flood). */
  | { admitted: false; cause: ThrottleCause; retryAfterMs: number; firstRefusal: boolean };

interface SourceState {
  /** Failures still allowed, refilled continuously; an attempt in progress holds one. */
  tokens: number;
  updatedAt: number;
  blockedUntil: number;
  /** Attempts admitted whose chain has not decided yet. */
  pending: number;
  /** Attempts admitted and not settled (fail or give back): each holds one of the tokens. */
  reserved: number;
  /** Refusals since the source was last admitted. */
  refusals: number;
}

/** How soon a source refused for too many CONNECTs at once may try again. */
const BUSY_RETRY_MS = 1_000;

const OPEN: ThrottleVerdict = { throttled: false };

/** The key a peer address is counted under: IPv4 (also when mapped into IPv6), or an IPv6 prefix. */
export function throttleSourceKey(peerHost: string, ipv6PrefixLength = 64): string {
  const bytes = parseIp(peerHost);
  if (!bytes) return peerHost.toLowerCase();
  if (bytes.length === 4) return formatIp(bytes);
  if (isMappedIpv4(bytes)) return formatIp(bytes.subarray(12));
  const prefix = new Uint8Array(16);
  for (let bit = 0; bit < ipv6PrefixLength; bit += 8) {
    const i = bit / 8;
    const keep = Math.min(8, ipv6PrefixLength - bit);
    prefix[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return `${formatIp(prefix)}/${ipv6PrefixLength}`;
}

function isMappedIpv4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Failed-CONNECT throttling per source address. Each source has a bucket of `maxFailures`
 * tokens that refills at `maxFailures` per `windowSeconds`; every failed authentication takes
 * one. A source whose bucket runs dry is refused for `blockSeconds` without running the chain
 * (the broker answers with `throttledConnackCode`). Only the failing source is affected, and a
 * success resets nothing: with one valid credential an attacker could otherwise wipe its count
 * between guesses; failures age out on their own.
 *
 * Memory is bounded: a source whose bucket is full again and which is not blocked is the same
 * as an unknown one and is swept; beyond `maxSources` the least recently seen source is
 * dropped, so an attacker rotating addresses costs at most `maxSources` entries.
 *
 * `admit` reserves a failure before the chain runs and the attempt gives it back unless the
 * chain refused the client's credentials (`bad-credentials`, `not-authorized`,
 * `bad-authentication-method`): a parallel burst has at most `maxFailures` passwords checked,
 * not as many as arrive before the first refusal. At most `maxPending` attempts of a source
 * are in the chain at once; beyond it a CONNECT is refused at once ('busy').
 */
export class FailedAuthThrottle {
  private readonly sources = new Map<string, SourceState>();
  private readonly maxFailures: number;
  private readonly refillPerMs: number;
  private readonly blockMs: number;
  private readonly maxSources: number;
  private readonly ipv6PrefixLength: number;
  private readonly maxPending: number;
  private readonly now: () => number;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  constructor(options: FailedAuthThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    const windowMs = (options.windowSeconds ?? 60) * 1000;
    this.refillPerMs = this.maxFailures / windowMs;
    this.blockMs = (options.blockSeconds ?? 60) * 1000;
    this.maxSources = options.maxSources ?? 100_000;
    this.ipv6PrefixLength = options.ipv6PrefixLength ?? 64;
    this.maxPending = options.maxPending ?? 8;
    this.now = options.now ?? Date.now;
    if (this.maxFailures < 1 || windowMs <= 0 || this.blockMs < 0 || this.maxSources < 1 || this.maxPending < 1) throw new RangeError('throttle limits must be positive');
  }

  /** Before the chain runs: is this source refused? */
  check(peerHost: string): ThrottleVerdict {
    const state = this.sources.get(throttleSourceKey(peerHost, this.ipv6PrefixLength));
    if (!state) return OPEN;
    const now = this.now();
    return state.blockedUntil > now ? { throttled: true, retryAfterMs: state.blockedUntil - now } : OPEN;
  }

  /** Before the chain runs: reserves one of the source's failures, or refuses the CONNECT (blocked, or too many at once). */
  admit(peerHost: string): Admission {
    const key = throttleSourceKey(peerHost, this.ipv6PrefixLength);
    const now = this.now();
    const state = this.touch(key, now);
    if (state.blockedUntil > now) return this.refuse(state, 'blocked', state.blockedUntil - now);
    if (state.pending >= this.maxPending) return this.refuse(state, 'busy', BUSY_RETRY_MS);
    // The attempts in progress hold the rest of the failures: one must be given back or refill.
    if (state.tokens < 1) return this.refuse(state, 'busy', Math.ceil((1 - state.tokens) / this.refillPerMs));
    state.tokens -= 1;
    state.pending += 1;
    state.reserved += 1;
    state.refusals = 0;
    return { admitted: true, attempt: this.attempt(key) };
  }

  private refuse(state: SourceState, cause: ThrottleCause, retryAfterMs: number): Admission {
    state.refusals += 1;
    return { admitted: false, cause, retryAfterMs, firstRefusal: state.refusals === 1 };
  }

  private attempt(key: string): AuthAttempt {
    let inChain = true;
    let settled = false;
    const leaveChain = (): void => {
      if (!inChain) return;
      inChain = false;
      const state = this.sources.get(key);
      if (state) state.pending = Math.max(0, state.pending - 1);
    };
    return {
      leaveChain,
      fail: () => {
        leaveChain();
        const state = this.sources.get(key);
        if (settled || !state) return OPEN;
        settled = true;
        state.reserved = Math.max(0, state.reserved - 1);
        const now = this.now();
        this.refill(state, now);
        // Blocked once the failures alone use the tokens up: the attempts still in progress may give theirs back.
        if (state.tokens + state.reserved < 1 && state.blockedUntil <= now) state.blockedUntil = now + this.blockMs;
        return state.blockedUntil > now ? { throttled: true, retryAfterMs: state.blockedUntil - now } : OPEN;
      },
      giveBack: () => {
        leaveChain();
        const state = this.sources.get(key);
        if (settled || !state) return;
        settled = true;
        state.reserved = Math.max(0, state.reserved - 1);
        this.refill(state, this.now());
        state.tokens = Math.min(this.maxFailures, state.tokens + 1);
      },
    };
  }

  /** After the chain refused the client's credentials; tells whether the source is now blocked. */
  recordFailure(peerHost: string): ThrottleVerdict {
    const key = throttleSourceKey(peerHost, this.ipv6PrefixLength);
    const now = this.now();
    const state = this.touch(key, now);
    state.tokens -= 1;
    if (state.tokens < 1 && state.blockedUntil <= now) state.blockedUntil = now + this.blockMs;
    return state.blockedUntil > now ? { throttled: true, retryAfterMs: state.blockedUntil - now } : OPEN;
  }

  /** Drops sources that are back to a full bucket and not blocked; returns how many. */
  sweep(): number {
    const now = this.now();
    this.lastSweepAt = now;
    let removed = 0;
    for (const [key, state] of this.sources) {
      this.refill(state, now);
      if (state.blockedUntil <= now && state.tokens >= this.maxFailures && state.pending === 0) {
        this.sources.delete(key);
        removed++;
      }
    }
    return removed;
  }

  /** Sources tracked now. */
  get size(): number {
    return this.sources.size;
  }

  /** The source's state, refilled to now and moved last: the Map's order is the eviction order. */
  private touch(key: string, now: number): SourceState {
    const state = this.sources.get(key) ?? this.track(key, now);
    this.refill(state, now);
    this.sources.delete(key);
    this.sources.set(key, state);
    return state;
  }

  private track(key: string, now: number): SourceState {
    if (this.sources.size >= this.maxSources) {
      // A sweep is O(n): at most once a second; in between, the least recently seen goes.
      if (now - this.lastSweepAt >= 1_000) this.sweep();
      while (this.sources.size >= this.maxSources) {
        const oldest = this.sources.keys().next();
        if (oldest.done) break;
        this.sources.delete(oldest.value);
      }
    }
    const state: SourceState = { tokens: this.maxFailures, updatedAt: now, blockedUntil: 0, pending: 0, reserved: 0, refusals: 0 };
    this.sources.set(key, state);
    return state;
  }

  private refill(state: SourceState, now: number): void {
    const elapsed = Math.max(0, now - state.updatedAt);
    state.tokens = Math.min(this.maxFailures, state.tokens + elapsed * this.refillPerMs);
    state.updatedAt = now;
  }
}

/** SPEC 4: a throttled CONNECT is refused with 0x9F connection rate exceeded (MQTT 5) or 3 server unavailable (3.1.1). */
export function throttledConnackCode(protocolVersion: 3 | 4 | 5): number {
  return protocolVersion === 5 ? CONNACK_5.connectionRateExceeded : CONNACK_311.serverUnavailable;
}
