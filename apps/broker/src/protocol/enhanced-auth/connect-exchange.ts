import { CONNACK_311, CONNACK_5, type ChainDecision } from '@mqc/auth';
import type { Packet } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import { refuse, type Refusal } from '../connect/connect-attempt';
import { closeConnection } from '../connection-lifecycle';
import type { InstanceContext } from '../instance-context';
import { AUTH_RC, authPacketProblem, sendAuth, type AuthExchange } from './auth-exchange';

type ConnectingExchange = Extract<AuthExchange, { phase: 'connecting' }>;
type Round = { kind: 'data'; data: Buffer | undefined } | { kind: 'stop'; refusal: Refusal | undefined };

/**
 * The client's next packet while the exchange runs before CONNACK: packets that came with the
 * CONNECT first, then what the socket brings. Undefined when the connection closes or the
 * connect timeout passes first. The stream is paused again afterwards, as the rest of the
 * CONNECT pipeline expects.
 */
function nextClientPacket(ctx: InstanceContext, connection: ClientConnection, exchange: ConnectingExchange): Promise<Packet | undefined> {
  const early = connection.pending.shift();
  if (early !== undefined) return Promise.resolve(early);
  return new Promise((resolve) => {
    const finish = (packet: Packet | undefined): void => {
      clearTimeout(timer);
      exchange.waiter = undefined;
      connection.stream.pause();
      resolve(packet);
    };
    const timer = setTimeout(finish, ctx.limits.connectTimeoutMs, undefined);
    exchange.waiter = finish;
    connection.stream.resume();
  });
}

/**
 * One round [MQTT-4.12.0]: AUTH 0x18 with the server's data, then the client's AUTH 0x18 back.
 * Until CONNACK the client may send only AUTH or DISCONNECT [MQTT-3.1.2-30]; anything else is
 * a protocol error.
 */
async function exchangeRound(ctx: InstanceContext, connection: ClientConnection, exchange: ConnectingExchange, serverData: Buffer): Promise<Round> {
  const { method } = exchange;
  sendAuth(connection, AUTH_RC.continueAuthentication, method, serverData);
  const packet = await nextClientPacket(ctx, connection, exchange);
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
 * The chain answered `continue` to a CONNECT: AUTH packets go back and forth until it decides.
 * Answers the decision, or what stops the CONNECT (a refusal, or nothing when the connection
 * is gone). The chain's own failures are thrown to the caller.
 */
export async function exchangeUntilDecided(
  ctx: InstanceContext,
  connection: ClientConnection,
  method: string | undefined,
  first: Extract<ChainDecision, { kind: 'continue' }>,
): Promise<{ decision: Exclude<ChainDecision, { kind: 'continue' }> } | { stop: Refusal | undefined }> {
  if (method === undefined || connection.protocolVersion !== 5) throw new Error('enhanced authentication without an authentication method');
  const exchange: ConnectingExchange = { phase: 'connecting', method, waiter: undefined };
  connection.authExchange = exchange;
  let decision: ChainDecision = first;
  while (decision.kind === 'continue') {
    if (!connection.isOpen) return { stop: undefined };
    const round = await exchangeRound(ctx, connection, exchange, decision.authenticationData);
    if (round.kind === 'stop') return { stop: round.refusal };
    decision = await decision.next(round.data);
  }
  return { decision };
}
