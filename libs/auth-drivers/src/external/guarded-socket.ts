import { Socket, isIP, type SocketConnectOpts } from 'node:net';
import { parseAllowList, resolvePublicHost, type AllowList, type Resolver } from '@mqc/auth';

/** What the external password databases (PostgreSQL, MySQL, Redis, LDAP) take besides their configuration. */
export interface ExternalDatabaseOptions {
  /** The operator's outbound allow-list (MQC_OUTBOUND_ALLOW). */
  outboundAllowList?: AllowList | readonly string[];
  /** Name resolution for the private-address guard (tests); the system resolver by default. */
  resolve?: Resolver;
}

/** What a pool or client needs of an authenticator's or authorizer's configuration. */
export interface DatabaseConnectionConfig {
  url: string;
  password?: string;
  poolSize: number;
  timeoutMs: number;
}

/** How the external-database authenticators reach their servers (SPEC 4.4's guard). */
export interface OutboundGuard {
  /** The operator's allow-list (MQC_OUTBOUND_ALLOW). */
  allowList: AllowList;
  /** Name resolution for the guard (tests); the system resolver by default. */
  resolve?: Resolver;
  timeoutMs: number;
}

export function outboundGuard(allowList: AllowList | readonly string[] | undefined, timeoutMs: number, resolve?: Resolver): OutboundGuard {
  const allow = allowList === undefined ? parseAllowList([]) : Array.isArray(allowList) ? parseAllowList(allowList) : (allowList as AllowList);
  return { allowList: allow, resolve, timeoutMs };
}

/**
 * The address a new connection to `host` may use: resolved and checked by the private-address
 * guard each time, so a name cannot point at a public address for the configuration check
 * and at a private one later (DNS rebinding). A host the operator allowed by name comes back
 * as written and the socket resolves it.
 */
export async function guardedAddress(host: string, guard: OutboundGuard): Promise<string> {
  const addresses = await resolvePublicHost(host, guard.allowList, { resolve: guard.resolve, timeoutMs: guard.timeoutMs });
  return addresses.find((a) => isIP(a) !== 0) ?? host;
}

/**
 * A TCP socket that connects only after the guard has checked where it goes. Drivers that
 * take a socket factory (pg's `stream`, mysql2's `stream`) get one of these; the socket is
 * returned at once and connects when the check passes, or is destroyed with the guard's error.
 * TLS, when the driver starts it, still names the configured host (SNI and verification).
 */
export function connectGuarded(host: string, port: number, guard: OutboundGuard): Socket {
  const socket = new Socket();
  openGuarded(socket, host, port, guard, (target) => socket.connect(target));
  return socket;
}

type ConnectTo = (target: { host: string; port: number }) => void;

function openGuarded(socket: Socket, host: string, port: number, guard: OutboundGuard, connect: ConnectTo): void {
  guardedAddress(host, guard).then(
    (address) => {
      if (!socket.destroyed) connect({ host: address, port });
    },
    (error: Error) => socket.destroy(error),
  );
}

/**
 * A socket for drivers that create the socket first and call `connect(port, host)` on it
 * themselves (pg): that call goes through the guard.
 */
export function guardedSocketFactory(guard: OutboundGuard): () => Socket {
  return () => {
    const socket = new Socket();
    // Socket's own connect, before it is replaced below.
    const original = Socket.prototype.connect as (this: Socket, options: SocketConnectOpts) => Socket;
    const realConnect: ConnectTo = (target) => original.call(socket, target);
    const connect = (port: number, host: string): Socket => {
      openGuarded(socket, host, port, guard, realConnect);
      return socket;
    };
    return Object.assign(socket, { connect }) as Socket;
  };
}
