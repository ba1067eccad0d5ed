import type { ChainDecision } from '@mqc/auth';
import type { IConnectPacket } from 'mqtt-packet';
import type { ClientConnection, WillIntent } from '../client-connection';
import type { InstanceContext } from '../instance-context';

/** What the CONNECT pipeline learns about one CONNECT as its steps run. */
export interface ConnectAttempt {
  readonly packet: IConnectPacket;
  readonly protocolVersion: 3 | 4 | 5;
  clientId: string;
  /** 5.0: the server chose the client id [MQTT-3.2.2-16]. */
  clientIdAssigned: boolean;
  readonly clean: boolean;
  will: WillIntent | undefined;
  decision: Extract<ChainDecision, { kind: 'allow' }> | undefined;
  /** Granted session expiry, and whether it differs from what a 5.0 client asked. */
  sessionExpirySeconds: number;
  sessionExpiryChanged: boolean;
  keepAliveSeconds: number;
  serverKeepAlive: number | undefined;
  sessionPresent: boolean;
}

/** A refused CONNECT: a CONNACK with a code then close, or a plain close when no code fits [MQTT-3.2.2-5]. */
export type Refusal =
  | {
      kind: 'connack';
      returnCode: number;
      reasonCode: number;
      reason: string;
      /** The authenticator that refused the client, when one did (the event log names it). */
      authenticatorId?: string;
      /** Refused by the failed-CONNECT throttle before any authenticator ran. */
      throttled?: boolean;
    }
  | { kind: 'close'; reason: string };

/** One step of the pipeline: returns a refusal to stop, nothing to go on. */
export type ConnectStep = (ctx: InstanceContext, connection: ClientConnection, attempt: ConnectAttempt) => Refusal | undefined | Promise<Refusal | undefined>;

export function refuse(returnCode: number, reasonCode: number, reason: string): Refusal {
  return { kind: 'connack', returnCode, reasonCode, reason };
}

export function createAttempt(packet: IConnectPacket): ConnectAttempt {
  return {
    packet,
    protocolVersion: packet.protocolVersion ?? 4,
    clientId: packet.clientId,
    clientIdAssigned: false,
    clean: packet.clean !== false,
    will: undefined,
    decision: undefined,
    sessionExpirySeconds: 0,
    sessionExpiryChanged: false,
    keepAliveSeconds: packet.keepalive ?? 0,
    serverKeepAlive: undefined,
    sessionPresent: false,
  };
}
