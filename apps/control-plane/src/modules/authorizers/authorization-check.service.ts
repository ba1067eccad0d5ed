import { Injectable } from '@nestjs/common';
import { AUTHORIZATION_CHECK } from '@mqc/queue';
import {
  clientAclSource,
  compileRules,
  compiledRulesSource,
  dryRunOf,
  foldChain,
  isInProcessAuthorizerType,
  NO_RULE_MATCHED,
  type AuthorizationCheck,
  type AuthorizationVerdict,
  type AuthorizerType,
  type SyncAuthorizationSource,
} from '@mqc/auth';
import type { AuthorizerEntity } from '@mqc/db';
import { AclRuleService } from '../acl-rules/acl-rule.service';
import { InstanceNodes, NODE_ANSWER_MS } from '../instances/instance-nodes';
import { OwnedInstances } from '../instances/owned-instances';
import { AuthorizerService } from './authorizer.service';

/** An authorizer the dry run passed over without asking it (http: the broker would have asked it here). */
export interface NotEvaluated {
  authorizerId: string;
  type: AuthorizerType;
  reason: string;
}

/** `evaluatedBy`: `broker` when the node serving the instance folded the whole chain; `control-plane` when it did not answer (or the chain needs no backend). */
export type DryRunVerdict = AuthorizationVerdict & { evaluatedBy: 'broker' | 'control-plane'; notEvaluated: NotEvaluated[] };

const HTTP_NOT_EVALUATED = 'no broker node answered the dry run and the control plane does not call the tenant service; the broker would ask it at this point of the chain, and its answer could decide';


/**
 * `POST /v1/instances/{id}/authorization/check`: the instance's enabled authorization chain,
 * in order, with its noMatch policy, folded by the engine the broker uses, for a client that is
 * not a superuser and has no certificate. A chain with an http or database authorizer is sent to
 * the broker node serving the instance (InstanceRequestBus, operation authorization.check), which folds it with the chain it
 * has loaded, asking those backends as it would for a connected client. When no node answers
 * within NODE_ANSWER_MS (not served, node down), or the chain has no such authorizer, the control
 * plane folds it: built-in-database compiles the instance's rules for this client id and user name
 * (the `ruleId` is the acl_rules id); client-info needs the client's token, which a dry run does
 * not have, so it answers no-match; the backend authorizers are not called (listed in
 * `notEvaluated`, treated as no-match).
 */
@Injectable()
export class AuthorizationCheckService {
  constructor(
    private readonly nodes: InstanceNodes,
    private readonly instances: OwnedInstances,
    private readonly authorizers: AuthorizerService,
    private readonly rules: AclRuleService,
  ) {}

  async check(tenantId: string, instanceId: string, check: AuthorizationCheck): Promise<DryRunVerdict> {
    const instance = await this.instances.find(tenantId, instanceId);
    const chain = (await this.authorizers.chain(tenantId, instanceId)).filter((a) => a.enabled);
    // The in-process types the control plane folds itself; any other is asked by the broker node.
    const needsNode = chain.some((a) => !isInProcessAuthorizerType(a.type));
    if (needsNode) {
      const answered = await this.nodes.tryAsk(AUTHORIZATION_CHECK, instance, check, NODE_ANSWER_MS);
      if (answered) return { ...(answered as AuthorizationVerdict), evaluatedBy: 'broker', notEvaluated: [] };
    }
    const { client, request } = dryRunOf(check);
    const rules = chain.some((a) => a.type === 'built-in-database') ? await this.rules.ordered(instanceId) : [];
    const notEvaluated: NotEvaluated[] = [];
    const sources = chain.map((a): SyncAuthorizationSource => {
      if (a.type === 'built-in-database') return compiledRulesSource(a.id, compileRules(rules, client));
      if (a.type === 'client-info') return clientAclSource(a.id, undefined);
      return notEvaluatedSource(a, notEvaluated);
    });
    const verdict = foldChain(sources, request, { noMatch: instance.authorizationNoMatch, superuser: false });
    return { ...verdict, evaluatedBy: 'control-plane', notEvaluated };
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
