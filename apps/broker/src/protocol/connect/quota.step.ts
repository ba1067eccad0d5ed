import { CONNACK_311, CONNACK_5 } from '@mqc/auth';
import type { ConnectStep } from './connect-attempt';
import { refuse } from './connect-attempt';

/** The instance's connection quota; a client replacing its own connection does not count twice. */
export const checkConnectionQuota: ConnectStep = (ctx, _connection, attempt) => {
  if (ctx.clients.size < ctx.limits.maxConnections || ctx.clients.has(attempt.clientId)) return undefined;
  return refuse(CONNACK_311.serverUnavailable, CONNACK_5.quotaExceeded, 'connection quota exceeded');
};
