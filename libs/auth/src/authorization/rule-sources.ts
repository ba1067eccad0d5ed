import type { SourceResult, SyncAuthorizationSource } from './authorization-chain';
import type { AuthorizerType } from './providers/authorizer-providers';
import type { CompiledClientAcl } from './client-acl';
import { evaluateRules, NO_RULE_MATCHED, type AuthorizationRequest, type CompiledRules } from './compiled-rules';

/** The `built-in-database` authorizer of one client: the instance's rules compiled for it (rule ids are the stored ids). */
export function compiledRulesSource(id: string, compiled: CompiledRules, type: AuthorizerType = 'built-in-database'): SyncAuthorizationSource {
  return {
    id,
    type,
    sync: true,
    check(request: AuthorizationRequest): SourceResult {
      return evaluateRules(compiled, request); // a match carries its kind and ruleId, built once at compile time
    },
  };
}

const V1_NOTHING_MATCHED: SourceResult = Object.freeze({ kind: 'deny', reason: 'the JWT acl claim (v1) lists no topic that covers it; v1 denies what it does not list' });

/**
 * The `client-info` authorizer of one client: the rules its authenticator returned (JWT `acl`
 * claim, HTTP `acl`), or none (undefined: no claim, or a malformed one) → no-match.
 */
export function clientAclSource(id: string, acl: CompiledClientAcl | undefined): SyncAuthorizationSource {
  return {
    id,
    type: 'client-info',
    sync: true,
    check(request: AuthorizationRequest): SourceResult {
      if (acl === undefined) return NO_RULE_MATCHED;
      const verdict = evaluateRules(acl.compiled, request);
      if (verdict !== NO_RULE_MATCHED) return verdict;
      return acl.onNoMatch === 'deny' ? V1_NOTHING_MATCHED : NO_RULE_MATCHED;
    },
  };
}
