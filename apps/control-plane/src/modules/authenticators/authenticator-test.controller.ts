import { Body, Param } from '@nestjs/common';
import { authenticatorTestResultSchema, authenticatorTestSchema } from '@mqc/queue';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { PostRoute } from '../../common/route';
import { InstanceIdParam, InstanceScopedController } from '../instances/instance-scoped';
import { AuthenticatorTestService, DRY_RUN_CONCURRENCY, DRY_RUNS_PER_MINUTE } from './authenticator-test.service';

const authenticatorId = new ResourceIdPipe('authenticator');

@InstanceScopedController('authenticators')
export class AuthenticatorTestController {
  constructor(private readonly tests: AuthenticatorTestService) {}

  @PostRoute(':aid/test', { status: 200,
    summary: 'Dry run: what this authenticator alone answers for these credentials',
    description:
      'The broker node serving the instance builds the authenticator from its saved configuration (enabled or not), asks it once (fetching a JWKS, calling the HTTP service, querying the database, with the outbound URL guard as on CONNECT; 10 s at most) and closes it. No other link of the chain runs and no metric counts it. decision: allow (with superuser, expiresAt, acl), deny (reason), ignore (the chain would go on), error (a backend failure: the instance policy would judge it), continue (the method needs an MQTT 5 AUTH exchange). A certificate (PEM) must be valid now and signed by the instance CA or a registered CA (as the TLS handshake checks; otherwise deny); nothing is written (no re-hash, no just-in-time registration). The client is an MQTT 5 client from peerHost (default 0.0.0.0). ' +
      `At most ${DRY_RUN_CONCURRENCY} at once and ${DRY_RUNS_PER_MINUTE} a minute per tenant (429). 503 instance-unreachable when no broker node serves the instance.`,
    body: authenticatorTestSchema,
    response: authenticatorTestResultSchema,
    problems: [422, 429, 503],
  })
  test(@TenantCaller() caller: TenantCallerInfo, @InstanceIdParam() id: string, @Param('aid', authenticatorId) aid: string, @Body() body: unknown) {
    return this.tests.test(caller.tenantId, id, aid, parseInput(authenticatorTestSchema, body));
  }
}
