import { RateLimitedError } from '../../common/domain-errors';

export interface DryRunGateOptions {
  /** Dry runs one tenant may have running at once. */
  concurrent: number;
  /** Dry runs one tenant may start per window. */
  perWindow: number;
  windowMs: number;
  /** Tenants tracked at once; the oldest window is forgotten first beyond it. */
  capacity?: number;
  now?: () => number;
}

interface TenantWindow {
  startedAt: number;
  started: number;
  running: number;
}

/**
 * Bounds the authenticator dry runs of each tenant (each one may fetch a JWKS, call a tenant
 * service or open a database connection from the broker): so many at once, so many per window,
 * per control-plane process. Beyond either: 429 with Retry-After.
 */
export class DryRunGate {
  private readonly tenants = new Map<string, TenantWindow>();

  constructor(private readonly options: DryRunGateOptions) {}

  /** Runs `work` for the tenant if its bounds allow, or throws 429. */
  async run<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    const now = (this.options.now ?? Date.now)();
    let window = this.tenants.get(tenantId);
    if (window === undefined) {
      window = { startedAt: now, started: 0, running: 0 };
      this.tenants.set(tenantId, window);
      this.forgetOldest();
    } else if (now - window.startedAt >= this.options.windowMs) {
      // A new window, the same entry: dry runs still running keep counting against it.
      window.startedAt = now;
      window.started = 0;
      this.tenants.delete(tenantId);
      this.tenants.set(tenantId, window);
    }
    if (window.running >= this.options.concurrent) throw new RateLimitedError('dry-run-busy', `at most ${this.options.concurrent} authenticator dry runs at once`, 1);
    if (window.started >= this.options.perWindow) {
      const retry = Math.max(1, Math.ceil((window.startedAt + this.options.windowMs - now) / 1000));
      throw new RateLimitedError('dry-run-rate', `at most ${this.options.perWindow} authenticator dry runs per ${this.options.windowMs / 1000} s`, retry);
    }
    window.started++;
    window.running++;
    try {
      return await work();
    } finally {
      window.running--;
    }
  }

  private forgetOldest(): void {
    const capacity = this.options.capacity ?? 10_000;
    for (const [tenantId, window] of this.tenants) {
      if (this.tenants.size <= capacity) return;
      if (window.running === 0) this.tenants.delete(tenantId);
    }
  }
}
