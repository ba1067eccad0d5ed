import type { DataSource } from 'typeorm';
import { editionAllowsType, type ChainMetrics, type Authenticator } from '@mqc/auth';
import { AuthenticatorEntity, InstanceEntity } from '@mqc/db';
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

/**
 * A chain, the instance row it was built with (edition, access policy) and the fingerprint of
 * all it was built from (see chainFingerprint), read before the rows: a change in between shows
 * as a different fingerprint at the next resync, never as a fingerprint that hides it.
 */
export interface LoadedChain {
  chain: InstanceChain;
  instance: InstanceEntity;
  fingerprint: string | undefined;
}

/** `known`: the instance row and the chain's fingerprint, read together by the caller (instance-state.ts) before the authenticators are. */
export async function loadChain(instanceId: string, deps: AuthenticatorDeps, metrics: ChainMetrics, known?: { instance: InstanceEntity; fingerprint: string | undefined }): Promise<LoadedChain> {
  const fingerprint = known ? known.fingerprint : await chainFingerprint(deps.dataSource, instanceId);
  const instance = known?.instance ?? (await deps.dataSource.getRepository(InstanceEntity).findOneBy({ id: instanceId }));
  if (!instance) throw new Error(`instance ${instanceId} is gone`);
  const rows = await deps.dataSource.getRepository(AuthenticatorEntity).find({ where: { instanceId: instance.id, enabled: true }, order: { position: 'ASC' } });
  const authenticators: Authenticator[] = [];
  for (const row of rows) {
    if (!editionAllowsType(instance.edition, row.type)) {
      deps.logger.warn({ instanceId: instance.id, type: row.type, edition: instance.edition }, 'authenticator skipped: not in the edition');
      continue;
    }
    const factory = AUTHENTICATOR_FACTORIES[row.type];
    if (!factory) {
      // Never skip silently: an authenticator this broker cannot run fails, judged by policy.
      deps.logger.error({ instanceId: instance.id, type: row.type }, 'this broker cannot run the authenticator type');
      authenticators.push(brokenAuthenticator(row, new Error(`this broker cannot run ${row.type} authenticators`)));
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
  const chain = new InstanceChain(authenticators, { anonymous: instance.anonymousPolicy, onBackendFailure: instance.backendFailurePolicy }, metrics);
  return { chain, instance, fingerprint };
}

/** chainFingerprint's expression over the instance row `i` (instance-state.ts reads it with the row). */
export const CHAIN_FINGERPRINT_SQL = `md5(concat_ws('|', i.edition, i.anonymous_policy, i.backend_failure_policy,
              (SELECT string_agg(concat_ws('/', a.id, a.type, a.position, a.enabled, md5(a.config::text), md5(coalesce(a.secrets_sealed, ''))), ',' ORDER BY a.position, a.id)
                 FROM authenticators a WHERE a.instance_id = i.id),
              -- TLS-PSK identities are loaded with the chain (PskKeyring).
              (SELECT string_agg(p.id::text, ',' ORDER BY p.id) FROM psk_identities p WHERE p.instance_id = i.id)))`;

/**
 * What an instance's chain is built from, as one comparable text: edition, access policy and
 * every authenticator row (order, enabled, configuration, sealed secrets). The periodic resync
 * reloads a chain whose fingerprint changed, so a change event lost on the way (a Redis blip)
 * is repaired without a restart. Undefined when the instance is gone.
 */
export async function chainFingerprint(dataSource: DataSource, instanceId: string): Promise<string | undefined> {
  const rows: { fingerprint: string }[] = await dataSource.query(`SELECT ${CHAIN_FINGERPRINT_SQL} AS fingerprint FROM instances i WHERE i.id = $1`, [instanceId]);
  return rows[0]?.fingerprint;
}

/** chainFingerprint of many instances in one query (the full sweep), by instance id. */
export async function chainFingerprints(dataSource: DataSource, instanceIds: readonly string[]): Promise<Map<string, string>> {
  if (instanceIds.length === 0) return new Map();
  const rows: { id: string; fingerprint: string }[] = await dataSource.query(`SELECT i.id, ${CHAIN_FINGERPRINT_SQL} AS fingerprint FROM instances i WHERE i.id = ANY($1::uuid[])`, [instanceIds]);
  return new Map(rows.map((row) => [row.id, row.fingerprint]));
}
