import { clientAclSource, compileRules, compiledRulesSource, dryRunOf, foldChainAsync, type AuthorizationCheck, type AuthorizationSource, type AuthorizationVerdict } from '@mqc/auth';
import type { InstanceAuthorization } from '../protocol/authorization';

/** The longest reason sent back (a backend's error text included); the reply channel reads no more. */
const MAX_REASON = 2_000;

/**
 * The dry run of `POST /v1/instances/{id}/authorization/check`, evaluated on the node serving
 * the instance with the chain it has loaded: built-in rules compiled for this client, client-info
 * without a token (no-match), http and database authorizers asked for a client with no peer
 * address and no certificate, not a superuser, folded as a connection's checks are. The sources
 * are built for this check alone (no connection's decision cache is read or filled) and the fold
 * counts no result in the authorizers' metrics (a backend's latency is timed, as every ask is).
 */
export async function evaluateDryRun(authorization: InstanceAuthorization, instanceId: string, check: AuthorizationCheck): Promise<AuthorizationVerdict> {
  const { client, request } = dryRunOf(check);
  const rules = authorization.authorizers.some((a) => a.type === 'built-in-database') ? compileRules(authorization.rules, client) : undefined;
  const sources = authorization.authorizers.map((a): AuthorizationSource => {
    if (a.type === 'built-in-database') return compiledRulesSource(a.id, rules ?? compileRules([], client));
    if (a.type === 'client-info') return clientAclSource(a.id, undefined);
    return a.source({ ...client, instanceId });
  });
  const verdict = await foldChainAsync(sources, request, { noMatch: authorization.noMatch, superuser: false });
  return verdict.reason.length > MAX_REASON ? { ...verdict, reason: `${verdict.reason.slice(0, MAX_REASON - 1)}…` } : verdict;
}
