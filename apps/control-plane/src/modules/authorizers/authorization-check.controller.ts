import { Body } from '@nestjs/common';
import { z } from 'zod';
import { AUTHORIZER_TYPES, authorizationCheckSchema } from '@mqc/auth';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { AuthorizationCheckService } from './authorization-check.service';

const type = z.enum(AUTHORIZER_TYPES as [string, ...string[]]);

const verdictSchema = z.object({
  decision: z.enum(['allow', 'deny']),
  by: z.object({ authorizerId: z.uuid(), type, ruleId: z.uuid().optional().describe('the acl-rules id of the deciding built-in rule') }).nullable().describe('null when the noMatch policy decided'),
  reason: z.string(),
  evaluatedBy: z.enum(['broker', 'control-plane']).describe('broker: the node serving the instance folded the chain, asking its http and database authorizers; control-plane: no node answered (or none was needed) and the control plane folded it'),
  notEvaluated: z
    .array(z.object({ authorizerId: z.uuid(), type, reason: z.string() }))
    .describe('when evaluatedBy is control-plane: http and database authorizers passed over (not called); the broker would have asked them before the deciding one'),
});

@InstanceScopedController('authorization')
export class AuthorizationCheckController {
  constructor(private readonly checks: AuthorizationCheckService) {}

  @PostRoute('check', {
    summary: 'Dry run: would this client be allowed to publish or subscribe to this topic, and why',
    description:
      'Folds the enabled authorization chain in order with the instance policy, for a client that is not a superuser and has no certificate. A chain with an http or database authorizer is evaluated by the broker node serving the instance, which asks those backends (evaluatedBy: broker); when no node answers within 5 s, the control plane folds it without calling them and lists them in notEvaluated (evaluatedBy: control-plane). client-info answers no-match (it needs the client token).',
    body: authorizationCheckSchema,
    response: verdictSchema,
    problems: [422],
    status: 200,
  })
  check(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Body() body: unknown) {
    return this.checks.check(caller.tenantId, id, parseInput(authorizationCheckSchema, body));
  }
}
