import { CONNACK_311, CONNACK_5, type ChainDecision, type ConnectCredentials } from '@mqc/auth';
import { closeConnection } from '../connection-lifecycle';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';
import type { ConnectStep, Refusal } from './connect-attempt';
import { refuse } from './connect-attempt';
import { AUTH_RC, authPacketProblem, nextClientPacket, sendAuth } from './enhanced-auth';

type Round = { kind: 'data'; data: Buffer | undefined } | { kind: 'stop'; refusal: Refusal | undefined };

/**
 * One round of enhanced authentication [MQTT-4.12.0]: AUTH 0x18 with the server's data, then
 * the client's AUTH 0x18 back. Until CONNACK the client may send only AUTH or DISCONNECT
 * [MQTT-3.1.2-30]; anything else is a protocol error.
 */
async function exchangeRound(ctx: InstanceContext, connection: ClientConnection, method: string, serverData: Buffer): Promise<Round> {
  sendAuth(connection, AUTH_RC.continueAuthentication, method, serverData);
  const packet = await nextClientPacket(ctx, connection);
  if (!connection.isOpen) return { kind: 'stop', refusal: undefined };
  if (packet === undefined) return { kind: 'stop', refusal: { kind: 'close', reason: 'no AUTH within the connect timeout' } };
  if (packet.cmd === 'disconnect') {
    closeConnection(ctx, connection, { publishWill: false });
    return { kind: 'stop', refusal: undefined };
  }
  const problem = packet.cmd === 'auth' ? authPacketProblem(packet, method, AUTH_RC.continueAuthentication) : `${packet.cmd} before CONNACK during enhanced authentication`;
  if (problem !== undefined || packet.cmd !== 'auth') return { kind: 'stop', refusal: refuse(CONNACK_311.notAuthorized, CONNACK_5.protocolError, problem ?? 'not AUTH') };
  return { kind: 'data', data: packet.properties?.authenticationData };
}

/**
 * Runs the instance's authentication chain; a deny carries its own CONNACK code. An enhanced
 * authentication (SCRAM) goes back and forth with AUTH packets until the chain decides.
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
    while (decision.kind === 'continue') {
      if (!connection.isOpen) return undefined;
      if (method === undefined || attempt.protocolVersion !== 5) throw new Error('enhanced authentication without an authentication method');
      const round = await exchangeRound(ctx, connection, method, decision.authenticationData);
      if (round.kind === 'stop') return round.refusal;
      decision = await decision.next(round.data);
    }
  } catch (error) {
    ctx.logger.warn({ err: error, clientId: attempt.clientId }, 'authentication chain failed');
    return refuse(CONNACK_311.serverUnavailable, CONNACK_5.serverUnavailable, 'authentication unavailable');
  }
  if (decision.kind === 'deny') {
    const code = decision.connackCode;
    return refuse(code, code, decision.message);
  }
  if (decision.expiresAt !== undefined && decision.expiresAt.getTime() <= Date.now()) {
    return refuse(CONNACK_311.notAuthorized, CONNACK_5.notAuthorized, 'credential expired');
  }
  attempt.decision = decision;
  return undefined;
};
