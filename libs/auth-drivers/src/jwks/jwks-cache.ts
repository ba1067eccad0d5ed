import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from 'jose';
import { request, type Agent } from 'undici';
import { assertPublicUrl, parseAllowList, type AllowList, type Resolver } from '@mqc/auth';
import { createGuardedAgent, readBodyCapped } from './outbound-http';

/** The JWKS endpoint could not give a usable key set: a backend failure, judged by policy. */
export class JwksUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JwksUnavailableError';
  }
}

export interface JwksCacheOptions {
  url: string;
  /** The operator's outbound allow-list (MQC_OUTBOUND_ALLOW). */
  allowList: AllowList | readonly string[];
  /** A fetched set is used this long, then fetched again (SPEC 4.3). */
  refreshIntervalSeconds: number;
  /** A token with an unknown `kid` triggers a fetch at most once per this many seconds. Default 30. */
  unknownKidCooldownSeconds?: number;
  /** After a failed fetch, the next one waits this long (the cache, if any, is used meanwhile). Default 5. */
  failureBackoffSeconds?: number;
  /** Whole fetch, guard included. Default 5000. */
  timeoutMs?: number;
  /** Default 512 KiB. */
  maxBytes?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  resolve?: Resolver;
  /** Told when a refresh fails while the cached set stays in use. */
  onStaleRefreshError?: (error: JwksUnavailableError) => void;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;
type VerifyKey = Awaited<ReturnType<LocalKeySet>>;

/**
 * A JWKS endpoint's keys, for jose's jwtVerify. Fetched with undici through the
 * private-address guard (assertPublicUrl before each fetch, and the guarded Agent at connect
 * time), cached, refreshed lazily once `refreshIntervalSeconds` have passed, and refreshed
 * when a token names an unknown `kid` — at most once per `unknownKidCooldownSeconds`, so a
 * flood of made-up kids costs the tenant's endpoint one request per window. A failed refresh
 * with a warm cache keeps using the cache; with a cold cache it throws JwksUnavailableError.
 */
export class JwksCache {
  private readonly allow: AllowList;
  private readonly agent: Agent;
  private readonly refreshMs: number;
  private readonly cooldownMs: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private keys?: LocalKeySet;
  private nextRefreshAt = 0;
  private lastUnknownKidFetchAt = Number.NEGATIVE_INFINITY;
  private lastError?: JwksUnavailableError;
  private inFlight?: Promise<void>;
  /** Fetches attempted (for metrics and tests). */
  fetches = 0;

  constructor(private readonly options: JwksCacheOptions) {
    this.allow = Array.isArray(options.allowList) ? parseAllowList(options.allowList) : (options.allowList as AllowList);
    this.refreshMs = options.refreshIntervalSeconds * 1000;
    this.cooldownMs = (options.unknownKidCooldownSeconds ?? 30) * 1000;
    this.backoffMs = (options.failureBackoffSeconds ?? 5) * 1000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? 512 * 1024;
    this.now = options.now ?? Date.now;
    this.agent = createGuardedAgent({ allowList: this.allow, timeoutMs: this.timeoutMs, connections: 2, resolve: options.resolve });
  }

  /** jose's key-getter: the key for a token's header, fetching as described above. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerifyKey> => {
    const keys = await this.current();
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      const now = this.now();
      if (this.inFlight) await this.inFlight.catch(() => undefined);
      else if (now - this.lastUnknownKidFetchAt >= this.cooldownMs) {
        this.lastUnknownKidFetchAt = now;
        await this.refresh();
      } else throw error;
      return (this.keys ?? keys)(header, token);
    }
  };

  private async current(): Promise<LocalKeySet> {
    const now = this.now();
    if (this.keys && now < this.nextRefreshAt) return this.keys;
    if (!this.keys && this.lastError && now < this.nextRefreshAt) throw this.lastError;
    try {
      await this.refresh();
    } catch (error) {
      if (!this.keys) throw error;
      if (error instanceof JwksUnavailableError) this.options.onStaleRefreshError?.(error);
    }
    if (!this.keys) throw this.lastError ?? new JwksUnavailableError(`no key set from ${this.options.url}`);
    return this.keys;
  }

  /** Fetches the key set now (one fetch at a time; concurrent callers share it). */
  refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.fetches++;
    try {
      const set = await this.download();
      this.keys = createLocalJWKSet(set);
      this.lastError = undefined;
      this.nextRefreshAt = this.now() + this.refreshMs;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.lastError = error instanceof JwksUnavailableError ? error : new JwksUnavailableError(`JWKS ${this.options.url}: ${why}`, { cause: error });
      this.nextRefreshAt = this.now() + this.backoffMs;
      throw this.lastError;
    }
  }

  private async download(): Promise<JSONWebKeySet> {
    const { url } = this.options;
    const signal = AbortSignal.timeout(this.timeoutMs);
    await assertPublicUrl(url, this.allow, { resolve: this.options.resolve, timeoutMs: this.timeoutMs });
    const response = await request(url, { dispatcher: this.agent, method: 'GET', headers: { accept: 'application/json' }, signal });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new JwksUnavailableError(`JWKS ${url} answered HTTP ${response.statusCode}`);
    }
    const text = (await readBodyCapped(response.body, this.maxBytes)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new JwksUnavailableError(`JWKS ${url} is not JSON`);
    }
    return toKeySet(parsed, url);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JWK Set with its verification keys; symmetric (`oct`) keys have no place in a public set. */
function toKeySet(parsed: unknown, url: string): JSONWebKeySet {
  if (!isObject(parsed) || !Array.isArray(parsed.keys)) throw new JwksUnavailableError(`JWKS ${url} is not a JWK Set ({"keys": [...]})`);
  const keys = parsed.keys.filter((key): key is JWK => isObject(key) && typeof key.kty === 'string' && key.kty !== 'oct');
  return { keys };
}
