import type { ClientAcl, MalformedAcl } from '../authorization/client-acl';
import type { DeviceKeySlot } from '@mqc/domain';
import type { AuthenticatorType } from '../providers/authenticator-providers';

/** What a client presented on CONNECT (and on the TLS handshake before it). */
export interface ConnectCredentials {
  instanceId: string;
  clientId: string;
  username?: string;
  password?: Buffer;
  peerHost: string;
  /** 3 = MQTT 3.1, 4 = MQTT 3.1.1, 5 = MQTT 5.0. */
  protocolVersion: 3 | 4 | 5;
  /** The verified client certificate of a TLS connection, if any. */
  certificate?: ClientCertificate;
  /** The TLS-PSK identity of the handshake (its key proved it), if the client used TLS-PSK. */
  pskIdentity?: string;
  /** MQTT 5 enhanced authentication method (CONNECT property 0x15). */
  authenticationMethod?: string;
  authenticationData?: Buffer;
}

export interface ClientCertificate {
  commonName: string;
  subject: string;
  /** Upper-case hex, no separators. */
  serialNumber: string;
  fingerprint256: string;
  issuerFingerprint256?: string;
  pem?: string;
}

/** Why a client is refused; mapped to CONNACK codes once, in connack-codes.ts. */
export type DenyReason =
  | 'bad-credentials'
  | 'not-authorized'
  | 'bad-authentication-method'
  | 'quota-exceeded'
  | 'server-unavailable'
  | 'banned';

/**
 * The stored credential an allow was proved against, so a later revocation ends exactly the
 * clients that used it: a built-in user (by the user id looked up), or a device and the key
 * slot that verified its token, with a fingerprint of that key (never the key itself).
 */
export type ProvenCredential =
  | { kind: 'user'; userId: string }
  | { kind: 'device'; clientId: string; keySlot: DeviceKeySlot; keyFingerprint: string };

export type AuthResult =
  | {
      kind: 'allow';
      superuser?: boolean;
      /** What the client proved, when it proved a stored credential the tenant can revoke. */
      credential?: ProvenCredential;
      expiresAt?: Date;
      /** The identity the method established (SCRAM `n=`, a PSK identity), for a client that sent no user name. */
      username?: string;
      /** MQTT 5 enhanced authentication: the method's last word (SCRAM server-final), sent in CONNACK or AUTH 0x00. */
      authenticationData?: Buffer;
      /** The client's own rules (JWT `acl` claim, HTTP `acl` field), parsed; the `client-info` authorizer reads them. */
      acl?: ClientAcl | MalformedAcl;
    }
  | { kind: 'deny'; reason: DenyReason; message?: string }
  | { kind: 'ignore' }
  /** MQTT 5 enhanced authentication needs another round: send `authenticationData` in AUTH 0x18. */
  | { kind: 'continue'; authenticationData: Buffer; exchange: AuthExchange };

/**
 * The rest of a multi-step enhanced authentication [MQTT-4.12]: the client's next
 * authentication data (from its AUTH 0x18) goes in, the next result comes out.
 */
export interface AuthExchange {
  next(authenticationData: Buffer | undefined): Promise<AuthResult>;
}

/**
 * One link of an instance's chain. `ignore` means "not mine to judge" (no such user, no
 * credential of my kind); a thrown error or a timeout is a backend failure, judged by policy.
 */
export interface Authenticator {
  readonly id: string;
  readonly type: AuthenticatorType;
  authenticate(credentials: ConnectCredentials): Promise<AuthResult>;
  /** Releases pools, timers and caches when the chain is replaced. */
  close?(): Promise<void>;
}
