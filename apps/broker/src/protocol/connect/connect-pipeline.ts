import { acceptClient } from './accept.step';
import { authenticateClient } from './authenticate.step';
import type { ConnectStep } from './connect-attempt';
import { checkConnectionQuota } from './quota.step';
import { openSession, takeOverExistingClient } from './session.steps';
import { checkClientIdentifier, checkConnectProperties, checkProtocolVersion, checkWill } from './validate.steps';

/**
 * The CONNECT pipeline, in order. Cheap checks first, authentication (the only slow step)
 * next, then the quota again (others may have connected during the await), and only then
 * anything that changes instance state.
 */
export const CONNECT_PIPELINE: readonly ConnectStep[] = [
  checkProtocolVersion,
  checkClientIdentifier,
  checkConnectProperties,
  checkWill,
  checkConnectionQuota,
  authenticateClient,
  checkConnectionQuota,
  takeOverExistingClient,
  openSession,
  acceptClient,
];
