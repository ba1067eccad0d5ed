import type { IAuthPacket, Packet } from 'mqtt-packet';
import type { ClientConnection } from '../client-connection';
import type { InstanceContext } from '../instance-context';

/** AUTH reason codes (MQTT 5.0 section 3.15.2.1). */
export const AUTH_RC = { success: 0x00, continueAuthentication: 0x18, reAuthenticate: 0x19 } as const;

/**
 * The client's next packet while an enhanced authentication runs before CONNACK: packets that
 * came with the CONNECT first, then what the socket brings. Undefined when the connection
 * closes or the connect timeout passes first. The stream is paused again afterwards, as the
 * rest of the CONNECT pipeline expects.
 */
export function nextClientPacket(ctx: InstanceContext, connection: ClientConnection): Promise<Packet | undefined> {
  const early = connection.pending.shift();
  if (early !== undefined) return Promise.resolve(early);
  return new Promise((resolve) => {
    const finish = (packet: Packet | undefined): void => {
      clearTimeout(timer);
      connection.authWaiter = undefined;
      connection.stream.pause();
      resolve(packet);
    };
    const timer = setTimeout(finish, ctx.limits.connectTimeoutMs, undefined);
    connection.authWaiter = finish;
    connection.stream.resume();
  });
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
