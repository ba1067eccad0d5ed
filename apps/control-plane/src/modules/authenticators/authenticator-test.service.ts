import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { TEST_AUTHENTICATOR, type authenticatorTestResultSchema, type authenticatorTestSchema } from '@mqc/queue';
import { NotFoundError } from '../../common/domain-errors';
import { InstanceNodes } from '../instances/instance-nodes';
import { AuthenticatorService } from './authenticator.service';
import { DryRunGate } from './dry-run-gate';

/** Dry runs per tenant: at once, and per minute (per control-plane process). */
export const DRY_RUN_CONCURRENCY = 2;
export const DRY_RUNS_PER_MINUTE = 30;
/** The broker gives the authenticator 10 s (as on CONNECT); the wait covers that and the bus. */
const TEST_ANSWER_MS = 12_000;

/**
 * `POST /v1/instances/{id}/authenticators/{aid}/test`: the broker node serving the instance
 * builds that authenticator from its row and asks it alone (node/authenticator-test.ts); the
 * control plane runs no driver itself.
 */
@Injectable()
export class AuthenticatorTestService {
  private readonly gate = new DryRunGate({ concurrent: DRY_RUN_CONCURRENCY, perWindow: DRY_RUNS_PER_MINUTE, windowMs: 60_000 });

  constructor(
    private readonly authenticators: AuthenticatorService,
    private readonly nodes: InstanceNodes,
  ) {}

  async test(tenantId: string, instanceId: string, authenticatorId: string, credentials: z.infer<typeof authenticatorTestSchema>): Promise<z.infer<typeof authenticatorTestResultSchema>> {
    const instance = await this.authenticators.ownedInstance(tenantId, instanceId, authenticatorId);
    const { result } = await this.gate.run(tenantId, () => this.nodes.ask(TEST_AUTHENTICATOR, instance, { authenticatorId, credentials }, TEST_ANSWER_MS));
    if (result === null) throw new NotFoundError('authenticator');
    return result;
  }
}
