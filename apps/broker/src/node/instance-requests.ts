import type { Redis } from 'ioredis';
import {
  answering,
  AUTHORIZATION_CHECK,
  DELETE_RETAINED,
  GET_CLIENT,
  INLINE_PAYLOAD_BYTES,
  InstanceRequestBus,
  KICK_CLIENT,
  LIST_CLIENTS,
  LIST_RETAINED,
  MAX_DETAIL_SUBSCRIPTIONS,
  MAX_PAGE_JSON_BYTES,
  TEST_AUTHENTICATOR,
} from '@mqc/queue';
import type { AuthenticatorDeps } from '../connect/authenticator-factory';
import type { InstanceBroker } from '../protocol/instance-broker';
import { testAuthenticator } from './authenticator-test';
import { evaluateDryRun } from './authorization-dry-run';
import type { InstanceSupervisor } from './instance-supervisor';

/**
 * The node's side of the InstanceRequestBus: every operation is answered for the instances this
 * node serves, and left to another node (silence) for the others.
 */
export async function answerInstanceRequests(
  redis: Redis,
  prefix: string,
  supervisor: InstanceSupervisor,
  deps: AuthenticatorDeps,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  const served = async <T>(instanceId: string, work: (broker: InstanceBroker) => T | Promise<T>): Promise<T | undefined> => {
    const broker = supervisor.brokerOf(instanceId);
    return broker === undefined ? undefined : work(broker);
  };
  return new InstanceRequestBus(redis, prefix).answer(
    [
      answering(AUTHORIZATION_CHECK, (instanceId, check) => served(instanceId, (broker) => evaluateDryRun(broker.authorization, instanceId, check))),
      answering(LIST_CLIENTS, (instanceId, filter) => served(instanceId, (broker) => broker.listClients(filter, MAX_PAGE_JSON_BYTES))),
      answering(GET_CLIENT, (instanceId, { clientId }) => served(instanceId, (broker) => ({ client: broker.client(clientId, MAX_DETAIL_SUBSCRIPTIONS) ?? null }))),
      answering(KICK_CLIENT, (instanceId, { clientId, clearSession }) => served(instanceId, (broker) => broker.kick(clientId, clearSession))),
      answering(LIST_RETAINED, (instanceId, page) => served(instanceId, (broker) => broker.listRetained({ ...page, inlineBytes: INLINE_PAYLOAD_BYTES, maxJsonBytes: MAX_PAGE_JSON_BYTES }))),
      answering(DELETE_RETAINED, (instanceId, { topic }) => served(instanceId, (broker) => ({ deleted: broker.deleteRetained(topic) }))),
      answering(TEST_AUTHENTICATOR, (instanceId, { authenticatorId, credentials }) =>
        served(instanceId, async () => ({ result: (await testAuthenticator(deps, instanceId, authenticatorId, credentials)) ?? null })),
      ),
    ],
    onError,
  );
}
