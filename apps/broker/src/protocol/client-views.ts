import type { ClientConnection } from './client-connection';
import { closeConnection } from './connection-lifecycle';
import type { InstanceContext } from './instance-context';
import { ITEMS_PER_TURN, KeyPage, nextTurn, pageWithinBytes } from './key-page';
import { RC } from './reason-codes';
import { endSession } from './session-lifecycle';
import type { Session, Subscription } from './session-store';

/** Which clients a page lists: `clientId` is a prefix, `username` and `peerHost` are exact. */
export interface ClientFilter {
  connected?: boolean;
  clientId?: string;
  username?: string;
  peerHost?: string;
  limit: number;
  /** The last client id of the previous page: the page starts after it (client ids in code-unit order). */
  after?: string;
}

export interface ClientFields {
  clientId: string;
  username: string | null;
  connected: boolean;
  connectedAt: string | null;
  disconnectedAt: string | null;
  peerHost: string | null;
  protocolVersion: 3 | 4 | 5 | null;
  keepAlive: number | null;
  cleanStart: boolean | null;
  sessionExpiryInterval: number;
  authenticator: { id: string; type: string } | null;
  queued: number;
  inflight: number;
}

export interface SubscriptionView {
  filter: string;
  qos: 0 | 1 | 2;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  shareGroup?: string;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** The live connection of a session, if its client is connected. */
function connectionOf(session: Session): ClientConnection | undefined {
  const connection = session.connection;
  return connection?.isConnected ? connection : undefined;
}

function fieldsOf(session: Session): ClientFields {
  const last = session.lastClient;
  const connected = connectionOf(session) !== undefined;
  return {
    clientId: session.clientId,
    username: last?.username ?? null,
    connected,
    connectedAt: iso(last?.connectedAt),
    disconnectedAt: connected ? null : iso(session.disconnectedAt),
    peerHost: last?.peerHost ?? null,
    protocolVersion: last?.protocolVersion ?? null,
    keepAlive: last?.keepAliveSeconds ?? null,
    cleanStart: last?.cleanStart ?? null,
    sessionExpiryInterval: session.expirySeconds,
    authenticator: last?.authenticator ? { id: last.authenticator.id, type: last.authenticator.type } : null,
    queued: session.queue.length,
    inflight: session.inflight.size,
  };
}

function matches(session: Session, filter: ClientFilter): boolean {
  if (filter.clientId !== undefined && !session.clientId.startsWith(filter.clientId)) return false;
  if (filter.connected !== undefined && (connectionOf(session) !== undefined) !== filter.connected) return false;
  if (filter.username !== undefined && session.lastClient?.username !== filter.username) return false;
  if (filter.peerHost !== undefined && session.lastClient?.peerHost !== filter.peerHost) return false;
  return true;
}

/**
 * One page of the instance's clients: every session, connected or offline (a persistent one
 * waiting for its client), by client id. A client connected with a clean session has a session
 * too, until it goes. Walks the sessions once per page (at most the edition's session limit),
 * letting the packet path run every ITEMS_PER_TURN sessions; not a snapshot. A page whose JSON
 * would pass `maxJsonBytes` is cut short (its cursor follows the last item kept).
 */
export async function listClients(ctx: InstanceContext, filter: ClientFilter, maxJsonBytes = Number.POSITIVE_INFINITY): Promise<{ items: (ClientFields & { subscriptions: number })[]; nextCursor: string | null }> {
  const page = new KeyPage<Session>(filter.limit, filter.after);
  let walked = 0;
  for (const session of ctx.sessions.values()) {
    if (matches(session, filter)) page.offer(session.clientId, session);
    if (++walked % ITEMS_PER_TURN === 0) await nextTurn();
  }
  const { items, nextCursor } = page.result();
  const views = items.map((session) => ({ ...fieldsOf(session), subscriptions: session.subscriptions.size }));
  return pageWithinBytes(views, nextCursor, (view) => view.clientId, maxJsonBytes);
}

function subscriptionView(subscription: Subscription): SubscriptionView {
  const view: SubscriptionView = {
    filter: subscription.filter,
    qos: subscription.qos,
    noLocal: subscription.noLocal,
    retainAsPublished: subscription.retainAsPublished,
    retainHandling: subscription.retainHandling,
  };
  if (subscription.shareGroup !== undefined) view.shareGroup = subscription.shareGroup;
  return view;
}

/** One client with its subscriptions (at most `maxSubscriptions` of them), or undefined when it has no session. */
export function clientDetail(ctx: InstanceContext, clientId: string, maxSubscriptions: number): (ClientFields & { subscriptions: SubscriptionView[]; subscriptionsTruncated: boolean }) | undefined {
  const session = ctx.sessions.get(clientId);
  if (session === undefined) return undefined;
  const subscriptions: SubscriptionView[] = [];
  for (const subscription of session.subscriptions.values()) {
    if (subscriptions.length === maxSubscriptions) break;
    subscriptions.push(subscriptionView(subscription));
  }
  return { ...fieldsOf(session), subscriptions, subscriptionsTruncated: session.subscriptions.size > subscriptions.length };
}

export interface KickOutcome {
  found: boolean;
  disconnected: boolean;
  sessionCleared: boolean;
}

/**
 * The tenant ends a client: its connection is closed (5.0: DISCONNECT 0x98 administrative
 * action first; the will is published, as for any close the client did not ask for), and with
 * `clearSession` its session is discarded too (subscriptions and queued messages dropped, as a
 * session expiry would).
 */
export function kickClient(ctx: InstanceContext, clientId: string, clearSession: boolean): KickOutcome {
  const connection = ctx.clients.get(clientId);
  const session = ctx.sessions.get(clientId);
  if (connection === undefined && session === undefined) return { found: false, disconnected: false, sessionCleared: false };
  if (connection !== undefined) {
    ctx.logger.info({ clientId }, 'client disconnected by the tenant (administrative action)');
    closeConnection(ctx, connection, { reasonCode: RC.administrativeAction, reasonString: 'administrative action', publishWill: true });
  }
  // The close may have ended a clean session already.
  const left = ctx.sessions.get(clientId);
  if (clearSession && left !== undefined && left.connection === undefined) endSession(ctx, left);
  return { found: true, disconnected: connection !== undefined, sessionCleared: clearSession && session !== undefined && !ctx.sessions.has(clientId) };
}
