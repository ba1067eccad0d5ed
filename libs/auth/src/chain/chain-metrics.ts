/** Counters kept per authenticator (SPEC section 4): what the API shows. */
export interface AuthenticatorCounters {
  total: number;
  allow: number;
  deny: number;
  ignore: number;
  error: number;
  /** Sum and maximum of latencies, in milliseconds, to report a mean and a max. */
  latencyMsSum: number;
  latencyMsMax: number;
}

export type Outcome = 'allow' | 'deny' | 'ignore' | 'error';

export function emptyCounters(): AuthenticatorCounters {
  return { total: 0, allow: 0, deny: 0, ignore: 0, error: 0, latencyMsSum: 0, latencyMsMax: 0 };
}

/** Where the fold reports each authenticator's outcome. */
export interface ChainObserver {
  record(authenticatorId: string, outcome: Outcome, latencyMs: number): void;
}

/** The in-process counters of one node; the broker reports and resets them periodically. */
export class ChainMetrics implements ChainObserver {
  private readonly counters = new Map<string, AuthenticatorCounters>();

  record(authenticatorId: string, outcome: Outcome, latencyMs: number): void {
    let c = this.counters.get(authenticatorId);
    if (!c) this.counters.set(authenticatorId, (c = emptyCounters()));
    c.total++;
    c[outcome]++;
    c.latencyMsSum += latencyMs;
    if (latencyMs > c.latencyMsMax) c.latencyMsMax = latencyMs;
  }

  /** The counters gathered since the last call, which starts a new period. */
  drain(): Map<string, AuthenticatorCounters> {
    const drained = new Map(this.counters);
    this.counters.clear();
    return drained;
  }
}
