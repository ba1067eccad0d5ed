import { api, data } from './client';
import type { paths } from './schema';

/**
 * The operations API of issue 15 (clients, metrics and their history, events, retained messages,
 * the authenticator test), on the typed client: shapes and parameters come from `schema.d.ts`.
 */
type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type Metrics = Json<'/v1/instances/{id}/metrics', 'get'>;
export type MetricsHistory = Json<'/v1/instances/{id}/metrics/history', 'get'>;
export type MetricsPoint = MetricsHistory['points'][number];
export type ClientPage = Json<'/v1/instances/{id}/clients', 'get'>;
export type ClientSummary = ClientPage['items'][number];
export type ClientDetail = Json<'/v1/instances/{id}/clients/{clientId}', 'get'>;
export type EventPage = Json<'/v1/instances/{id}/events', 'get'>;
export type EventView = EventPage['items'][number];
export type EventType = EventView['type'];
export type RetainedView = Json<'/v1/instances/{id}/retained', 'get'>['items'][number];
export type AuthenticatorTestAnswer = Json<'/v1/instances/{id}/authenticators/{aid}/test', 'post'>;
export type AuthenticatorTestBody = NonNullable<paths['/v1/instances/{id}/authenticators/{aid}/test']['post']['requestBody']>['content']['application/json'];

/** Drops empty filters: the API refuses an empty string where it wants a value. */
function given<T extends object>(filter: T): Partial<T> {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== '')) as Partial<T>;
}

export type ClientFilter = {
  connected?: '' | 'true' | 'false';
  clientId?: string;
  username?: string;
  peerHost?: string;
  cursor?: string;
};

export const operations = {
  metrics: (id: string) => data(api.GET('/v1/instances/{id}/metrics', { params: { path: { id } } })),
  /** `step` in seconds: a multiple of 60 is valid for any range (points before the last hour are per minute). */
  history: (id: string, from: Date, step: number) =>
    data(api.GET('/v1/instances/{id}/metrics/history', { params: { path: { id }, query: { from: from.toISOString(), step } } })),
  clients: (id: string, filter: ClientFilter) => {
    const { connected, ...rest } = given(filter);
    return data(api.GET('/v1/instances/{id}/clients', { params: { path: { id }, query: { ...rest, ...(connected ? { connected } : {}), limit: 50 } } }));
  },
  client: (id: string, clientId: string) => data(api.GET('/v1/instances/{id}/clients/{clientId}', { params: { path: { id, clientId } } })),
  kick: (id: string, clientId: string, clearSession: boolean) =>
    data(api.DELETE('/v1/instances/{id}/clients/{clientId}', { params: { path: { id, clientId }, query: { clearSession: clearSession ? 'true' : 'false' } } })),
  events: (id: string, filter: { type?: EventType | ''; clientId?: string; cursor?: string }) => {
    const { type, ...rest } = given(filter);
    return data(api.GET('/v1/instances/{id}/events', { params: { path: { id }, query: { ...rest, ...(type ? { type } : {}) } } }));
  },
  retained: (id: string, topic: string, cursor?: string) => data(api.GET('/v1/instances/{id}/retained', { params: { path: { id }, query: given({ topic, cursor }) } })),
  deleteRetained: (id: string, topic: string) => data(api.DELETE('/v1/instances/{id}/retained', { params: { path: { id }, query: { topic } } })),
  testAuthenticator: (id: string, aid: string, body: AuthenticatorTestBody) =>
    data(api.POST('/v1/instances/{id}/authenticators/{aid}/test', { params: { path: { id, aid } }, body })),
};
