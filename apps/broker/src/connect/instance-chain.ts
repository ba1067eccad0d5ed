import { ChainMetrics, runChain, type Authenticator, type ChainDecision, type ConnectCredentials } from '@mqc/auth';
import type { AccessPolicy } from '@mqc/domain';

/** Authenticators that do not answer within this time count as a backend failure. */
const AUTHENTICATOR_TIMEOUT_MS = 10_000;

/** An instance's current chain and policy; replaced whole when the console changes either. */
export class InstanceChain {
  constructor(
    readonly authenticators: readonly Authenticator[],
    readonly policy: AccessPolicy,
    private readonly metrics: ChainMetrics,
  ) {}

  authenticate(credentials: ConnectCredentials): Promise<ChainDecision> {
    return runChain({ authenticators: this.authenticators, policy: this.policy, observer: this.metrics, timeoutMs: AUTHENTICATOR_TIMEOUT_MS }, credentials);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.authenticators.map((a) => a.close?.()));
  }
}
