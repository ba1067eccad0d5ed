import { acceptClient } from './accept.step';
import { authenticateClient } from './authenticate.step';
import type { ConnectStep } from './connect-attempt';
import { checkConnectionQuota, checkSessionQuota } from './quota.step';
import { openSession, takeOverExistingClient } from './session.steps';
import { checkTransportIdentity } from './transport-identity.step';
import { checkClientIdentifier, checkConnectProperties, checkProtocolVersion, checkWill } from './validate.steps';

/**
 * The CONNECT pipeline, in order. What the transport proved first (a TLS client the handshake
 * did not admit learns why before anything else), cheap checks next, authentication (the only
 * slow step) next, then the quotas again (others may have connected during the await), and only then
 * anything that changes instance state.
 */
export const CONNECT_PIPELINE: readonly ConnectStep[] = [
  checkTransportIdentity,
  checkProtocolVersion,
  checkClientIdentifier,
  checkConnectProperties,
  checkWill,
  checkConnectionQuota,
  checkSessionQuota,
  authenticateClient,
  checkConnectionQuota,
  checkSessionQuota,
  takeOverExistingClient,
  openSession,
  acceptClient,
];
