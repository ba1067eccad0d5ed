import type { DenyReason } from './authenticator';

/** MQTT 3.1.1 CONNACK return codes (section 3.2.2.3). */
export const CONNACK_311 = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** MQTT 5.0 CONNACK reason codes (section 3.2.2.2) that the chain produces. */
export const CONNACK_5 = {
  success: 0x00,
  unspecifiedError: 0x80,
  malformedPacket: 0x81,
  protocolError: 0x82,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUsernameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
  serverBusy: 0x89,
  banned: 0x8a,
  badAuthenticationMethod: 0x8c,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  connectionRateExceeded: 0x9f,
} as const;

/** The CONNACK code for a refusal, by protocol version (SPEC section 4). */
export function connackCodeFor(reason: DenyReason, protocolVersion: 3 | 4 | 5): number {
  if (protocolVersion === 5) {
    switch (reason) {
      case 'bad-credentials':
        return CONNACK_5.badUsernameOrPassword;
      case 'not-authorized':
        return CONNACK_5.notAuthorized;
      case 'bad-authentication-method':
        return CONNACK_5.badAuthenticationMethod;
      case 'quota-exceeded':
        return CONNACK_5.quotaExceeded;
      case 'server-unavailable':
        return CONNACK_5.serverUnavailable;
      case 'banned':
        return CONNACK_5.banned;
    }
  }
  switch (reason) {
    case 'bad-credentials':
      return CONNACK_311.badUsernameOrPassword;
    case 'server-unavailable':
    case 'quota-exceeded':
      return CONNACK_311.serverUnavailable;
    default:
      return CONNACK_311.notAuthorized;
  }
}
