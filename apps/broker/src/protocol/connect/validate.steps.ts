import { CONNACK_311, CONNACK_5 } from '@mqc/auth';
import { randomUUID } from 'node:crypto';
import type { ConnectStep } from './connect-attempt';
import { refuse } from './connect-attempt';
import { ownedBytes } from '../message';
import { RC } from '../reason-codes';
import { isValidTopicName } from '../topic-validation';

/** [MQTT-3.1.2-1] [MQTT-3.1.2-2] "MQTT" goes with 4 and 5, "MQIsdp" with 3 (MQTT 3.1). */
export const checkProtocolVersion: ConnectStep = (_ctx, _connection, attempt) => {
  const { protocolId } = attempt.packet;
  const consistent = attempt.protocolVersion === 3 ? protocolId === 'MQIsdp' : protocolId === 'MQTT';
  if (consistent) return undefined;
  return refuse(CONNACK_311.unacceptableProtocolVersion, CONNACK_5.unsupportedProtocolVersion, 'protocol name and level do not match');
};

/**
 * [MQTT-3.1.3-8] 3.1.1: an empty client id needs clean session, else identifier rejected;
 * [MQTT-3.1.3-6] with clean session the server assigns one. 5.0 always assigns one and
 * returns it in CONNACK [MQTT-3.2.2-16]. MQTT 3.1 requires 1–23 characters.
 */
export const checkClientIdentifier: ConnectStep = (_ctx, _connection, attempt) => {
  const { clientId } = attempt;
  const rejected = refuse(CONNACK_311.identifierRejected, CONNACK_5.clientIdentifierNotValid, 'client identifier not valid');
  if (clientId.includes('\u0000')) return rejected;
  if (attempt.protocolVersion === 3 && (clientId.length === 0 || clientId.length > 23)) return rejected;
  if (clientId.length > 0) return undefined;
  if (attempt.protocolVersion === 4 && !attempt.clean) return rejected;
  attempt.clientId = `auto-${randomUUID()}`;
  attempt.clientIdAssigned = true;
  return undefined;
};

/** 5.0 CONNECT properties: receive maximum and maximum packet size of 0 are protocol errors (3.1.2.11). */
export const checkConnectProperties: ConnectStep = (ctx, _connection, attempt) => {
  const { limits } = ctx;
  if (attempt.protocolVersion === 5) {
    const properties = attempt.packet.properties ?? {};
    if (properties.receiveMaximum === 0 || properties.maximumPacketSize === 0) {
      return refuse(CONNACK_311.serverUnavailable, CONNACK_5.protocolError, 'receive maximum and maximum packet size must be > 0');
    }
    if (properties.authenticationData !== undefined && properties.authenticationMethod === undefined) {
      return refuse(CONNACK_311.serverUnavailable, CONNACK_5.protocolError, 'authentication data without method');
    }
    const asked = properties.sessionExpiryInterval ?? 0;
    attempt.sessionExpirySeconds = Math.min(asked, limits.maxSessionExpirySeconds);
    attempt.sessionExpiryChanged = attempt.sessionExpirySeconds !== asked;
    const max = limits.keepAliveMaxSeconds;
    // Server keep alive (3.2.2.3.14): the client must use it instead of its own.
    if (max !== undefined && max > 0 && (attempt.keepAliveSeconds === 0 || attempt.keepAliveSeconds > max)) {
      attempt.keepAliveSeconds = max;
      attempt.serverKeepAlive = max;
    }
  } else {
    // 3.1.1 has no expiry: a persistent session lives as long as the instance allows.
    attempt.sessionExpirySeconds = attempt.clean ? 0 : limits.maxSessionExpirySeconds;
  }
  return undefined;
};

/** The will topic must be a valid topic name (3.1.3.3); 5.0 refuses with 0x90, 3.1.1 closes. */
export const checkWill: ConnectStep = (ctx, _connection, attempt) => {
  const will = attempt.packet.will;
  if (will === undefined) return undefined;
  if (!isValidTopicName(will.topic, ctx.limits)) {
    if (attempt.protocolVersion !== 5) return { kind: 'close', reason: 'invalid will topic' };
    return refuse(CONNACK_311.serverUnavailable, RC.topicNameInvalid, 'invalid will topic');
  }
  const { willDelayInterval, messageExpiryInterval, ...forwarded } = will.properties ?? {};
  // A will may wait in an offline session for long: its bytes must not keep the CONNECT's read chunk alive.
  if (forwarded.correlationData !== undefined) forwarded.correlationData = ownedBytes(forwarded.correlationData);
  attempt.will = {
    message: {
      topic: will.topic,
      payload: typeof will.payload === 'string' ? Buffer.from(will.payload) : ownedBytes(will.payload),
      qos: will.qos ?? 0,
      retain: will.retain === true,
      properties: Object.keys(forwarded).length > 0 ? forwarded : undefined,
      publisherId: attempt.clientId,
    },
    expirySeconds: messageExpiryInterval,
    delaySeconds: attempt.protocolVersion === 5 ? (willDelayInterval ?? 0) : 0,
  };
  return undefined;
};
