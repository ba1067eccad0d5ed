import { Body, Param } from '@nestjs/common';
import { z } from 'zod';
import { AUTH_METHODS, EDITION_NAMES } from '@mqc/editions';
import { OperatorController } from '../../common/operator.guard';
import { parseInput } from '../../common/parse-input';
import { GetRoute, PatchRoute } from '../../common/route';
import { TenantScopedController } from '../api-keys/api-key.guard';
import { EditionService } from './edition.service';

const availabilitySchema = z.object({ available: z.boolean() }).strict();

const editionViewSchema = z.object({
  name: z.enum(EDITION_NAMES),
  rank: z.number().int(),
  methods: z.array(z.enum(AUTH_METHODS)),
  quotas: z.object({
    maxConnections: z.number().int(),
    messagesPerSecond: z.number().int(),
    authenticatorsPerChain: z.number().int(),
    registeredCaCertificates: z.number().int(),
    deviceCertificates: z.number().int().describe('device certificates in the registry; basic: issued from the instance CA only'),
    builtInUsers: z.number().int(),
    authorizersPerChain: z.number().int(),
    aclRules: z.number().int(),
  }),
  limits: z
    .object({
      retainedMessages: z.number().int(),
      retainedBytes: z.number().int(),
      maxPacketSize: z.number().int(),
      subscriptionsPerClient: z.number().int(),
      subscriptionsPerInstance: z.number().int(),
      queuedMessagesPerSession: z.number().int(),
      queuedBytesPerSession: z.number().int(),
      sessionsPerInstance: z.number().int(),
      queuedBytesPerInstance: z.number().int(),
      inflightWindow: z.number().int(),
      keepAliveMaxSeconds: z.number().int(),
      eventLogEntries: z.number().int().describe('entries of the instance event log kept, newest first (GET /v1/instances/{id}/events)'),
      sessionExpiryMaxSeconds: z.number().int().describe('longest a persistent session and its queued messages outlive the connection, in seconds'),
    })
    .describe('what the broker holds for one instance and one client; beyond them it refuses (0x97, 0x95) or drops the oldest queued messages'),
  available: z.boolean().describe('false while the operator does not sell it; existing instances keep working'),
});

const editionCatalogSchema = z.object({ items: z.array(editionViewSchema) });

@TenantScopedController('v1/editions')
export class EditionController {
  constructor(private readonly editions: EditionService) {}

  @GetRoute({ summary: 'The catalog: methods and quotas per edition', response: editionCatalogSchema })
  async catalog() {
    return { items: await this.editions.catalog() };
  }
}

@OperatorController('v1/ops/editions')
export class OpsEditionController {
  constructor(private readonly editions: EditionService) {}

  @GetRoute({ summary: 'The catalog as tenants see it, with whether each edition is on sale', response: editionCatalogSchema })
  async catalog() {
    return { items: await this.editions.catalog() };
  }

  /** Stop or resume selling an edition; existing instances keep working. */
  @PatchRoute(':edition', { summary: 'Stop or resume selling an edition; existing instances keep working', body: availabilitySchema, response: editionViewSchema, problems: [404, 422] })
  setAvailable(@Param('edition') edition: string, @Body() body: unknown) {
    return this.editions.setAvailable(edition, parseInput(availabilitySchema, body).available);
  }
}
