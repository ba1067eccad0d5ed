import type { ChainMetrics, Authenticator } from '@mqc/auth';
import { AuthenticatorEntity, type InstanceEntity } from '@mqc/db';
import { editionAllowsType } from '@mqc/editions';
import { AUTHENTICATOR_FACTORIES, type AuthenticatorDeps } from './authenticator-factory';
import { InstanceChain } from './instance-chain';

/**
 * Builds an instance's chain from the database. The edition gate is applied again here
 * (defence in depth): a method the edition lacks is never run, whatever the rows say.
 */
function brokenAuthenticator(row: AuthenticatorEntity, error: unknown): Authenticator {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    id: row.id,
    type: row.type,
    authenticate: () => Promise.reject(new Error(`configuration cannot be used: ${reason}`)),
  };
}

export async function loadChain(instance: InstanceEntity, deps: AuthenticatorDeps, metrics: ChainMetrics): Promise<InstanceChain> {
  const rows = await deps.dataSource.getRepository(AuthenticatorEntity).find({ where: { instanceId: instance.id, enabled: true }, order: { position: 'ASC' } });
  const authenticators: Authenticator[] = [];
  for (const row of rows) {
    if (!editionAllowsType(instance.edition, row.type)) {
      deps.logger.warn({ instanceId: instance.id, type: row.type, edition: instance.edition }, 'authenticator skipped: not in the edition');
      continue;
    }
    const factory = AUTHENTICATOR_FACTORIES[row.type];
    if (!factory) {
      deps.logger.warn({ instanceId: instance.id, type: row.type }, 'authenticator skipped: this broker cannot run the type');
      continue;
    }
    try {
      authenticators.push(factory(row, deps));
    } catch (error) {
      // Never skip silently: a broken link fails every run, and the backend-failure policy judges it.
      deps.logger.error({ instanceId: instance.id, type: row.type, err: error }, 'authenticator cannot be built');
      authenticators.push(brokenAuthenticator(row, error));
    }
  }
  return new InstanceChain(authenticators, { anonymous: instance.anonymousPolicy, onBackendFailure: instance.backendFailurePolicy }, metrics);
}
