import { call } from './client';

/**
 * The operations API of issue 15 (clients, metrics, events, retained messages, the authenticator
 * test). Its paths are fixed by the issue; its fields may grow. Until the control plane serves it
 * and `schema.d.ts` is regenerated, these calls are typed here and answer a problem+json 404.
 */
export interface Metrics {
  connections: number;
  sessions?: number;
  subscriptions?: number;
  retained?: { count: number; bytes: number };
  messages?: { received: number; sent: number; dropped?: Record<string, number> };
  rates?: { receivedPerSecond: number; sentPerSecond: number };
  authentication?: { allow: number; deny: number; error?: number };
  authorization?: { allow: number; deny: number };
}

export interface MetricsPoint extends Metrics {
  at: string;
}

export interface ClientView {
  clientId: string;
  username?: string | null;
  connected: boolean;
  connectedAt?: string | null;
  disconnectedAt?: string | null;
  peerHost?: string | null;
  protocolVersion?: number;
  keepAlive?: number;
  cleanStart?: boolean;
  sessionExpiryInterval?: number;
  authenticator?: { id: string; type: string } | null;
  subscriptions: number | { filter: string; qos: number; noLocal?: boolean; retainAsPublished?: boolean; retainHandling?: number; shareGroup?: string }[];
  queued?: number;
  inflight?: number;
}

export interface EventView {
  id?: string;
  type: string;
  at?: string;
  time?: string;
  clientId?: string | null;
  username?: string | null;
  reason?: string | null;
  [detail: string]: unknown;
}

export interface RetainedView {
  topic: string;
  payload?: string;
  size?: number;
  qos: number;
  properties?: Record<string, unknown>;
  storedAt: string;
}

export interface AuthenticatorTestAnswer {
  result?: string;
  decision?: string;
  reason?: string;
  superuser?: boolean;
  [detail: string]: unknown;
}

const base = (id: string) => `/v1/instances/${encodeURIComponent(id)}`;
const query = (params: Record<string, string | number | boolean | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const operations = {
  metrics: (id: string) => call<Metrics>('GET', `${base(id)}/metrics`),
  history: (id: string, from: Date, to: Date, step: string) =>
    call<{ items?: MetricsPoint[]; points?: MetricsPoint[] } | MetricsPoint[]>('GET', `${base(id)}/metrics/history${query({ from: from.toISOString(), to: to.toISOString(), step })}`).then((answer) =>
      Array.isArray(answer) ? answer : (answer.items ?? answer.points ?? []),
    ),
  clients: (id: string, filter: { connected?: string; clientId?: string; username?: string; peerHost?: string; cursor?: string }) =>
    call<{ items: ClientView[]; nextCursor: string | null }>('GET', `${base(id)}/clients${query({ ...filter, limit: 50 })}`),
  client: (id: string, clientId: string) => call<ClientView>('GET', `${base(id)}/clients/${encodeURIComponent(clientId)}`),
  kick: (id: string, clientId: string, clearSession: boolean) =>
    call<void>('DELETE', `${base(id)}/clients/${encodeURIComponent(clientId)}${query({ clearSession: clearSession || undefined })}`),
  events: (id: string, filter: { type?: string; clientId?: string; cursor?: string }) =>
    call<{ items: EventView[]; nextCursor: string | null }>('GET', `${base(id)}/events${query(filter)}`),
  retained: (id: string, topic: string, cursor?: string) =>
    call<{ items: RetainedView[]; nextCursor?: string | null }>('GET', `${base(id)}/retained${query({ topic, cursor })}`),
  deleteRetained: (id: string, topic: string) => call<void>('DELETE', `${base(id)}/retained${query({ topic })}`),
  testAuthenticator: (id: string, authenticatorId: string, body: { clientId: string; username?: string; password?: string; certificate?: string }) =>
    call<AuthenticatorTestAnswer>('POST', `${base(id)}/authenticators/${encodeURIComponent(authenticatorId)}/test`, { body }),
};
