import { Injectable } from '@nestjs/common';
import {
  clientAclSource,
  compileRules,
  compiledRulesSource,
  dryRunOf,
  foldChain,
  NO_RULE_MATCHED,
  type AuthorizationCheck,
  type AuthorizationVerdict,
  type AuthorizerType,
  type SyncAuthorizationSource,
} from '@mqc/auth';
import type { AuthorizerEntity } from '@mqc/db';
import { AclRuleService } from '../acl-rules/acl-rule.service';
import { OwnedInstances } from '../instances/owned-instances';
import { AuthorizerService } from './authorizer.service';

/** An authorizer the dry run passed over without asking it (http: the broker would have asked it here). */
export interface NotEvaluated {
  authorizerId: string;
  type: AuthorizerType;
  reason: string;
}

export type DryRunVerdict = AuthorizationVerdict & { notEvaluated: NotEvaluated[] };

const HTTP_NOT_EVALUATED = 'a dry run does not call the tenant service; the broker would ask it at this point of the chain, and its answer could decide';

/**
 * `POST /v1/instances/{id}/authorization/check`: the instance's enabled authorization chain,
 * in order, with its noMatch policy, folded by the engine the broker uses, for a client that is
 * not a superuser and has no certificate. built-in-database compiles the instance's rules for
 * this client id and user name (the `ruleId` is the acl_rules id); client-info needs the client's
 * token, which a dry run does not have, so it answers no-match; http authorizers are not called
 * (listed in `notEvaluated`, treated as no-match).
 */
@Injectable()
export class AuthorizationCheckService {
  constructor(
    private readonly instances: OwnedInstances,
    private readonly authorizers: AuthorizerService,
    private readonly rules: AclRuleService,
  ) {}

  async check(tenantId: string, instanceId: string, check: AuthorizationCheck): Promise<DryRunVerdict> {
    const instance = await this.instances.find(tenantId, instanceId);
    const chain = (await this.authorizers.chain(tenantId, instanceId)).filter((a) => a.enabled);
    const { client, request } = dryRunOf(check);
    const rules = chain.some((a) => a.type === 'built-in-database') ? await this.rules.ordered(instanceId) : [];
    const notEvaluated: NotEvaluated[] = [];
    const sources = chain.map((a): SyncAuthorizationSource => {
      if (a.type === 'built-in-database') return compiledRulesSource(a.id, compileRules(rules, client));
      if (a.type === 'client-info') return clientAclSource(a.id, undefined);
      return notEvaluatedSource(a, notEvaluated);
    });
    const verdict = foldChain(sources, request, { noMatch: instance.authorizationNoMatch, superuser: false });
    return { ...verdict, notEvaluated };
  }
}

function notEvaluatedSource(row: AuthorizerEntity, passed: NotEvaluated[]): SyncAuthorizationSource {
  const type = row.type as AuthorizerType;
  return {
    id: row.id,
    type,
    sync: true,
    check() {
      passed.push({ authorizerId: row.id, type, reason: HTTP_NOT_EVALUATED });
      return NO_RULE_MATCHED;
    },
  };
}
