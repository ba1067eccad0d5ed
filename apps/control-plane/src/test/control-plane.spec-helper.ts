import type { ChangeEvent } from '@mqc/domain';
import { ChangeBus, connectRedis } from '@mqc/queue';

/*
 * Helpers shared by the control plane's integration specs. They take the testing lib's
 * ApiClient structurally (production-side files may not import @mqc/testing).
 */

export interface Response<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  body: T;
}

export interface Api {
  withToken(token: string): Api;
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response<T>>;
  get<T = Record<string, unknown>>(path: string): Promise<Response<T>>;
  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Response<T>>;
  put<T = Record<string, unknown>>(path: string, body: unknown): Promise<Response<T>>;
  patch<T = Record<string, unknown>>(path: string, body: unknown): Promise<Response<T>>;
  delete<T = Record<string, unknown>>(path: string): Promise<Response<T>>;
}

export interface Tenant {
  id: string;
  api: Api;
  apiKeyId: string;
}

/** A tenant made through the operator API, with a client holding its first key. */
export async function newTenant(operator: Api, name = 'acme'): Promise<Tenant> {
  const created = await operator.post<{ tenant: { id: string }; apiKey: { id: string; secret: string } }>('/v1/ops/tenants', { name });
  if (created.status !== 201) throw new Error(`tenant not created: ${created.status} ${JSON.stringify(created.body)}`);
  return { id: created.body.tenant.id, api: operator.withToken(created.body.apiKey.secret), apiKeyId: created.body.apiKey.id };
}

export async function newInstance(api: Api, edition: 'basic' | 'professional' | 'platinum', name = `plant-${edition}`): Promise<string> {
  const created = await api.post<{ id: string }>('/v1/instances', { name, edition });
  if (created.status !== 202) throw new Error(`instance not created: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id;
}

/** Change events as a broker node would receive them. */
export interface EventLog {
  events: ChangeEvent[];
  /** Resolves with the first event (already received or to come) that matches. */
  next(match: (event: ChangeEvent) => boolean, timeoutMs?: number): Promise<ChangeEvent>;
  clear(): void;
  close(): Promise<void>;
}

export async function listenToChanges(redisUrl: string, prefix: string): Promise<EventLog> {
  const redis = await connectRedis(redisUrl, 'control-plane-spec');
  const events: ChangeEvent[] = [];
  const waiters: { match: (e: ChangeEvent) => boolean; resolve: (e: ChangeEvent) => void }[] = [];
  const unsubscribe = await new ChangeBus(redis, prefix).subscribe((event) => {
    events.push(event);
    for (const waiter of [...waiters]) {
      if (waiter.match(event)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  });
  return {
    events,
    next(match, timeoutMs = 5_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching change event arrived')), timeoutMs);
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    clear() {
      events.length = 0;
    },
    async close() {
      await unsubscribe();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
