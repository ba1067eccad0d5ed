import { CONNACK_311, CONNACK_5 } from '@mqc/auth';
import type { ConnectStep } from './connect-attempt';
import { refuse } from './connect-attempt';

/** The instance's connection quota; a client replacing its own connection does not count twice. */
export const checkConnectionQuota: ConnectStep = (ctx, _connection, attempt) => {
  if (ctx.clients.size < ctx.limits.maxConnections || ctx.clients.has(attempt.clientId)) return undefined;
  return refuse(CONNACK_311.serverUnavailable, CONNACK_5.quotaExceeded, 'connection quota exceeded');
};

/**
 * The instance's session quota (online and offline sessions): a CONNECT that needs a new session
 * beyond it is refused. Resuming a session, or starting clean over an existing one, needs none.
 */
export const checkSessionQuota: ConnectStep = (ctx, _connection, attempt) => {
  if (ctx.sessions.size < ctx.limits.maxSessions || ctx.sessions.has(attempt.clientId)) return undefined;
  ctx.refusals.count('session-quota');
  return refuse(CONNACK_311.serverUnavailable, CONNACK_5.quotaExceeded, 'session quota exceeded');
};
