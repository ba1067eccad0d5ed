import {
  checkedRequest,
  decideChain,
  decideChainAsync,
  decideChainCached,
  isSyncChain,
  type AuthorizationSource,
  type AuthorizationDecision,
  type ChainContext,
  type SyncAuthorizationSource,
} from './authorization-chain';
import { CacheGate } from './cache-gate';
import type { AuthorizationRequest } from './compiled-rules';
import { DecisionCache } from './decision-cache';

/** One client's chain: its authorizers (compiled for it, enabled ones, in order) and its context. */
export interface ClientChain extends ChainContext {
  sources: readonly AuthorizationSource[];
}

export const DEFAULT_DECISION_CACHE_TOPICS = 1_024;

/**
 * What a connection keeps: its chain, built by `build` (compile the client's rules), rebuilt
 * lazily when `generation()` (the instance's authorization generation, bumped on every rule,
 * authorizer or policy change) moves, and a decision cache emptied with it. A chain of
 * in-memory authorizers answers synchronously and is cached (while the cache hits at least
 * half the time: CacheGate); a chain with a backend authorizer
 * answers synchronously when every backend it reaches has the answer cached, with a promise
 * otherwise, and is not cached here (each backend authorizer caches on its own terms). A check
 * of an in-memory chain allocates nothing, hit or miss (a SUBSCRIBE with `$share/` aside): it
 * returns a shared decision; `reasonOf(decision, request)` gives its text.
 */
export class ClientAuthorization {
  private chain: ClientChain | undefined;
  /** The sources when all are in memory: the cached, synchronous path. */
  private syncSources: readonly SyncAuthorizationSource[] | undefined;
  private builtFor = Number.NaN;
  private readonly cache: DecisionCache<AuthorizationDecision>;
  /** Leaves the cache off while it misses more than it hits (cache-gate.ts). */
  private readonly gate = new CacheGate();

  constructor(
    private readonly build: () => ClientChain,
    private readonly generation: () => number,
    maxCachedTopics = DEFAULT_DECISION_CACHE_TOPICS,
  ) {
    this.cache = new DecisionCache(maxCachedTopics);
  }

  check(request: AuthorizationRequest): AuthorizationDecision | Promise<AuthorizationDecision> {
    const generation = this.generation();
    const chain = this.current(generation);
    const sources = this.syncSources;
    if (sources === undefined) return decideChainCached(chain.sources, request, chain) ?? decideChainAsync(chain.sources, request, chain);
    const checked = checkedRequest(request);
    if (!this.gate.use()) return decideChain(sources, checked, chain);
    const cached = this.cache.get(generation, checked);
    this.gate.record(cached !== undefined);
    if (cached !== undefined) {
      chain.observer?.cacheHit?.(cached);
      return cached;
    }
    const verdict = decideChain(sources, checked, chain);
    this.cache.set(generation, checked, verdict);
    return verdict;
  }

  private current(generation: number): ClientChain {
    if (this.chain === undefined || generation !== this.builtFor) {
      this.chain = this.build();
      this.syncSources = isSyncChain(this.chain.sources) ? this.chain.sources : undefined;
      this.builtFor = generation;
    }
    return this.chain;
  }
}
