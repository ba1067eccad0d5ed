import { CONNACK_311, CONNACK_5, type ChainDecision, type ConnectCredentials } from '@mqc/auth';
import { exchangeUntilDecided } from '../enhanced-auth/connect-exchange';
import type { ConnectStep } from './connect-attempt';
import { refuse } from './connect-attempt';

/**
 * Runs the instance's authentication chain; a deny carries its own CONNACK code. An enhanced
 * authentication (SCRAM) goes back and forth with AUTH packets until the chain decides
 * (`enhanced-auth/connect-exchange.ts`).
 */
export const authenticateClient: ConnectStep = async (ctx, connection, attempt) => {
  const { packet } = attempt;
  const method = packet.properties?.authenticationMethod;
  const credentials: ConnectCredentials = {
    instanceId: ctx.instanceId,
    clientId: attempt.clientId,
    username: packet.username,
    password: packet.password,
    peerHost: connection.info.remoteAddress,
    protocolVersion: attempt.protocolVersion,
    certificate: connection.transportIdentity.certificate,
    pskIdentity: connection.transportIdentity.pskIdentity,
    authenticationMethod: method,
    authenticationData: packet.properties?.authenticationData,
  };
  let decision: ChainDecision;
  try {
    decision = await ctx.authenticate(credentials);
    if (decision.kind === 'continue') {
      const outcome = await exchangeUntilDecided(ctx, connection, method, decision);
      if ('stop' in outcome) return outcome.stop;
      decision = outcome.decision;
    }
  } catch (error) {
    ctx.logger.warn({ err: error, clientId: attempt.clientId }, 'authentication chain failed');
    ctx.activity.authentication.error++;
    return refuse(CONNACK_311.serverUnavailable, CONNACK_5.serverUnavailable, 'authentication unavailable');
  }
  if (decision.kind === 'deny') {
    ctx.activity.authentication.deny++;
    const code = decision.connackCode;
    return { ...refuse(code, code, decision.message), authenticatorId: decision.authenticatorId, throttled: decision.throttled };
  }
  if (decision.expiresAt !== undefined && decision.expiresAt.getTime() <= Date.now()) {
    ctx.activity.authentication.deny++;
    return { ...refuse(CONNACK_311.notAuthorized, CONNACK_5.notAuthorized, 'credential expired'), authenticatorId: decision.authenticatorId };
  }
  ctx.activity.authentication.allow++;
  attempt.decision = decision;
  return undefined;
};
