import type { ProvenCredential } from '@mqc/auth';
import type { AuthenticatorType } from '@mqc/auth';
import type { RevokedCredential } from '@mqc/domain';
import type { ConnectedClientInfo } from '../protocol/instance-broker';

/** The authenticators that prove a built-in user: its password, or its SCRAM keys. */
const BUILT_IN_USER_AUTHENTICATORS: ReadonlySet<AuthenticatorType> = new Set<AuthenticatorType>(['built-in-database', 'scram']);

export type UserClient = ConnectedClientInfo & { credential: Extract<ProvenCredential, { kind: 'user' }> };
export type DeviceClient = ConnectedClientInfo & { credential: Extract<ProvenCredential, { kind: 'device' }> };

/** A client let in by proving a built-in user. */
export function provedUser(client: ConnectedClientInfo): client is UserClient {
  return client.authenticatorType !== undefined && BUILT_IN_USER_AUTHENTICATORS.has(client.authenticatorType) && client.credential?.kind === 'user';
}

/** A client let in by a token that one of a registered device's keys verified. */
export function provedDevice(client: ConnectedClientInfo): client is DeviceClient {
  return client.authenticatorType === 'device-secret' && client.credential?.kind === 'device';
}

/**
 * Which connected clients a revocation ends: those an authenticator of the revoked kind let in
 * with exactly that credential. A JWT or HTTP client whose user name equals a deleted built-in
 * user stays; a key regeneration ends only the clients that key verified. The user id was
 * looked up by the authenticator's own `userIdType` at CONNECT, so it is compared as it is.
 */
export function usedRevokedCredential(revoked: RevokedCredential): (client: ConnectedClientInfo) => boolean {
  switch (revoked.type) {
    case 'user':
      return (client) => provedUser(client) && client.credential.userId === revoked.userId;
    case 'device':
      return (client) =>
        provedDevice(client) && client.credential.clientId === revoked.clientId && (revoked.keySlot === undefined || client.credential.keySlot === revoked.keySlot);
    case 'certificate':
      return (client) => client.certificateSerial === revoked.serial;
  }
}
