import type { ChainDecision } from '@mqc/auth';
import type { IAuthPacket, Packet } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';

/** AUTH reason codes (MQTT 5.0 section 3.15.2.1). */
export const AUTH_RC = { success: 0x00, continueAuthentication: 0x18, reAuthenticate: 0x19 } as const;

/**
 * Where a connection stands in enhanced authentication (MQTT 5.0 section 4.12), one value per
 * connection:
 * - `none`: no exchange; a connected client without a method on CONNECT may not send AUTH.
 * - `connecting`: before CONNACK the chain answered `continue`; `waiter`, while set, takes the
 *   client's next packet (undefined: closed or timed out).
 * - `authenticated`: connected with `method`; the client may start a re-authentication.
 * - `reauthenticating` [MQTT-4.12.1]: `next` waits for the client's AUTH 0x18; undefined while
 *   the chain runs.
 */
export type AuthExchange =
  | { readonly phase: 'none' }
  | { readonly phase: 'connecting'; readonly method: string; waiter: ((packet: Packet | undefined) => void) | undefined }
  | { readonly phase: 'authenticated'; readonly method: string }
  | { readonly phase: 'reauthenticating'; readonly method: string; next: ((authenticationData: Buffer | undefined) => Promise<ChainDecision>) | undefined };

export const NO_AUTH_EXCHANGE: AuthExchange = { phase: 'none' };

/** Hands a packet that arrived before CONNACK to an exchange waiting for it; false when none waits. */
export function offerToAuthExchange(connection: ClientConnection, packet: Packet): boolean {
  const exchange = connection.authExchange;
  if (exchange.phase !== 'connecting' || exchange.waiter === undefined) return false;
  exchange.waiter(packet);
  return true;
}

/** The connection closes: an exchange waiting for the client stops waiting, and none goes on. */
export function endAuthExchange(connection: ClientConnection): void {
  const exchange = connection.authExchange;
  connection.authExchange = NO_AUTH_EXCHANGE;
  if (exchange.phase === 'connecting') exchange.waiter?.(undefined);
}

/** Why an AUTH packet cannot carry on the exchange of `method` with `reasonCode`, or undefined. */
export function authPacketProblem(packet: IAuthPacket, method: string, reasonCode: number): string | undefined {
  // [MQTT-4.12.0-5] the method stays the one of the CONNECT.
  if (packet.properties?.authenticationMethod !== method) return 'AUTH with another authentication method';
  if (packet.reasonCode !== reasonCode) return `AUTH with reason code 0x${(packet.reasonCode ?? 0).toString(16)} where 0x${reasonCode.toString(16)} was due`;
  return undefined;
}

export function sendAuth(connection: ClientConnection, reasonCode: number, method: string, data: Buffer | undefined): void {
  connection.send({ cmd: 'auth', reasonCode, properties: { authenticationMethod: method, authenticationData: data } });
}
