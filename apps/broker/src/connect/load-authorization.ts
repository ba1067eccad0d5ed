import type { DataSource } from 'typeorm';
import { editionAllowsAuthorizer, isAuthorizerType, parseStoredAuthorizerConfig, type AsyncAuthorizationSource, type AuthorizationObserver, type AuthorizerType, type IdentifiedRule } from '@mqc/auth';
import { AUTHORIZER_RUNTIMES, type AuthorizerRuntime, type BackendAuthorizer } from '@mqc/auth-drivers';
import { AclRuleEntity, AuthorizerEntity, InstanceEntity } from '@mqc/db';
import { SECRET_CONTEXT, type SecretBox } from '@mqc/domain';
import type { Logger } from '@mqc/observability';
import type { InstanceAuthorization, LoadedAuthorizer } from '../protocol/authorization';

/** What backend authorizers (http, databases) are built with. */
export interface BackendAuthorizerDeps {
  secrets: SecretBox;
  /** MQC_OUTBOUND_ALLOW. */
  outboundAllow: readonly string[];
}

/** A backend authorizer from its row: stored configuration, sealed secrets opened, the runtime of @mqc/auth-drivers. */
function backendAuthorizer(row: AuthorizerEntity, type: AuthorizerType, deps: BackendAuthorizerDeps): BackendAuthorizer | undefined {
  const runtime = AUTHORIZER_RUNTIMES[type] as AuthorizerRuntime<AuthorizerType> | undefined;
  if (runtime === undefined) return undefined;
  const opened = row.secretsSealed ? deps.secrets.openText(row.secretsSealed, SECRET_CONTEXT.authorizerSecrets(row.id)) : undefined;
  return runtime(row.id, parseStoredAuthorizerConfig(type, row.config, opened), { outboundAllow: deps.outboundAllow });
}

/** An authorizer this broker cannot run answers `error` on every check: the chain fails closed. */
function brokenAuthorizer(row: AuthorizerEntity, why: string): LoadedAuthorizer {
  // The row's type as stored (a type of a newer release included): what the dry run and logs name.
  const type = row.type as AuthorizerType;
  return { id: row.id, type: 'backend', source: () => ({ id: row.id, type, sync: true, check: () => ({ kind: 'error', message: why }) }) };
}

function loadBackend(row: AuthorizerEntity, type: AuthorizerType, logger: Logger, deps: BackendAuthorizerDeps | undefined, observer: AuthorizationObserver | undefined): LoadedAuthorizer {
  let backend: BackendAuthorizer | undefined;
  try {
    backend = deps === undefined ? undefined : backendAuthorizer(row, type, deps);
  } catch (error) {
    logger.error({ authorizerId: row.id, type, err: error }, 'the authorizer configuration does not load; it denies');
    return brokenAuthorizer(row, `the ${type} authorizer configuration does not load`);
  }
  if (backend === undefined) {
    logger.error({ authorizerId: row.id, type }, 'this broker cannot run the authorizer type; it denies');
    return brokenAuthorizer(row, `${type} authorizers are not run by this broker`);
  }
  const running = backend;
  return { id: row.id, type: 'backend', source: (client) => timed(running.source(client), observer), close: () => running.close() };
}

/** A backend source whose asks (not its cached answers) are timed for the authorizer's latency metric. */
function timed(source: AsyncAuthorizationSource, observer: AuthorizationObserver | undefined): AsyncAuthorizationSource {
  if (observer?.latency === undefined) return source;
  return {
    ...source,
    check: async (request) => {
      const cached = source.cached?.(request);
      if (cached !== undefined) return cached;
      const started = performance.now();
      try {
        return await source.check(request);
      } finally {
        observer.latency?.(source.id, performance.now() - started);
      }
    },
  };
}

function ruleOf(row: AclRuleEntity): IdentifiedRule {
  return {
    id: row.id,
    permission: row.permission,
    action: row.action,
    topic: row.topic,
    ...(row.qos === null ? {} : { qos: row.qos }),
    ...(row.retain === null ? {} : { retain: row.retain }),
    ...(row.clientId === null ? {} : { clientId: row.clientId }),
    ...(row.username === null ? {} : { username: row.username }),
  };
}

export interface LoadedAuthorization {
  authorization: InstanceAuthorization;
  /** See authorizationFingerprint; read before the rows, so a change in between shows at the next resync. */
  fingerprint: string | undefined;
}

/**
 * An instance's authorization chain from the database: its enabled authorizers in order (the
 * edition gate applied again, as for authenticators), the built-in rules in order, the policy.
 * An authorizer of a type this broker cannot run, or whose configuration does not load, is
 * kept as one that fails closed. Without `backends`, backend authorizers fail closed.
 */
export async function loadAuthorization(
  dataSource: DataSource,
  instanceId: string,
  logger: Logger,
  observer?: AuthorizationObserver,
  backends?: BackendAuthorizerDeps,
  known?: { instance: InstanceEntity; fingerprint: string | undefined },
): Promise<LoadedAuthorization> {
  // `known`: the row and the fingerprint, read together by the caller (instance-state.ts) before the authorizers are.
  const fingerprint = known ? known.fingerprint : await authorizationFingerprint(dataSource, instanceId);
  const instance = known?.instance ?? (await dataSource.getRepository(InstanceEntity).findOneBy({ id: instanceId }));
  if (!instance) throw new Error(`instance ${instanceId} is gone`);
  const rows = await dataSource.getRepository(AuthorizerEntity).find({ where: { instanceId, enabled: true }, order: { position: 'ASC', id: 'ASC' } });
  const authorizers: LoadedAuthorizer[] = [];
  for (const row of rows) {
    if (!isAuthorizerType(row.type)) {
      logger.error({ instanceId, type: row.type }, 'this broker cannot run the authorizer type; it denies');
      authorizers.push(brokenAuthorizer(row, `this broker cannot run ${row.type} authorizers`));
    } else if (!editionAllowsAuthorizer(instance.edition, row.type)) {
      logger.warn({ instanceId, type: row.type, edition: instance.edition }, 'authorizer skipped: not in the edition');
    } else if (row.type === 'built-in-database' || row.type === 'client-info') {
      authorizers.push({ id: row.id, type: row.type });
    } else {
      authorizers.push(loadBackend(row, row.type, logger, backends, observer));
    }
  }
  const usesRules = authorizers.some((a) => a.type === 'built-in-database');
  const rules = usesRules ? (await dataSource.getRepository(AclRuleEntity).find({ where: { instanceId }, order: { position: 'ASC', id: 'ASC' } })).map(ruleOf) : [];
  return {
    authorization: { authorizers, rules, noMatch: instance.authorizationNoMatch, denyAction: instance.authorizationDenyAction, observer },
    fingerprint,
  };
}

/** authorizationFingerprint's expression over the instance row `i` (instance-state.ts reads it with the row). */
export const AUTHORIZATION_FINGERPRINT_SQL = `md5(concat_ws('|', i.edition, i.authorization_no_match, i.authorization_deny_action,
              (SELECT string_agg(concat_ws('/', a.id, a.type, a.position, a.enabled, md5(a.config::text), md5(coalesce(a.secrets_sealed, ''))), ',' ORDER BY a.position, a.id)
                 FROM authorizers a WHERE a.instance_id = i.id),
              (SELECT md5(string_agg(concat_ws('/', r.id, r.position, r.permission, r.action, r.topic, r.qos::text, r.retain, r.client_id, r.username), ',' ORDER BY r.position, r.id))
                 FROM acl_rules r WHERE r.instance_id = i.id)))`;

/**
 * What an instance's authorization is built from, as one comparable text: edition, policy,
 * every authorizer row and every rule. The periodic resync reloads when it changed, so a lost
 * `authorization` change event is repaired. Undefined when the instance is gone.
 */
export async function authorizationFingerprint(dataSource: DataSource, instanceId: string): Promise<string | undefined> {
  const rows: { fingerprint: string }[] = await dataSource.query(`SELECT ${AUTHORIZATION_FINGERPRINT_SQL} AS fingerprint FROM instances i WHERE i.id = $1`, [instanceId]);
  return rows[0]?.fingerprint;
}

/** authorizationFingerprint of many instances in one query (the full sweep), by instance id. */
export async function authorizationFingerprints(dataSource: DataSource, instanceIds: readonly string[]): Promise<Map<string, string>> {
  if (instanceIds.length === 0) return new Map();
  const rows: { id: string; fingerprint: string }[] = await dataSource.query(`SELECT i.id, ${AUTHORIZATION_FINGERPRINT_SQL} AS fingerprint FROM instances i WHERE i.id = ANY($1::uuid[])`, [instanceIds]);
  return new Map(rows.map((row) => [row.id, row.fingerprint]));
}
