import { Query } from '@nestjs/common';
import { z } from 'zod';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { GetRoute } from '../../common/route';
import { TenantScopedController } from '../api-keys/api-key.guard';
import { AuditService } from './audit.service';

/** Event ids are PostgreSQL bigints: a cursor beyond one names no event and is refused. */
const MAX_EVENT_ID = 2n ** 63n - 1n;
const eventCursor = z
  .string()
  .regex(/^\d{1,19}$/, 'expected the nextCursor of a previous page')
  .refine((text) => BigInt(text) <= MAX_EVENT_ID, 'expected the nextCursor of a previous page (out of range)');

const listSchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: eventCursor.optional() });

const auditPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      actor: z.string().describe('api-key:<id> or operator'),
      action: z.string(),
      resourceType: z.string(),
      resourceId: z.string(),
      details: z.record(z.string(), z.unknown()),
      at: z.iso.datetime(),
    }),
  ),
  nextCursor: z.string().nullable().describe('pass as before= for the next (older) page'),
});

@TenantScopedController('v1/audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @GetRoute({ summary: 'The tenant audit log, newest first', query: listSchema, response: auditPageSchema, problems: [422] })
  async list(@TenantCaller() caller: TenantCallerInfo, @Query() query: unknown) {
    const { limit, before } = parseInput(listSchema, query);
    const events = await this.audit.list(caller.tenantId, { limit, before });
    const last = events[events.length - 1];
    return {
      items: events.map((e) => ({ id: e.id, actor: e.actor, action: e.action, resourceType: e.resourceType, resourceId: e.resourceId, details: e.details, at: e.at })),
      nextCursor: events.length === limit && last ? last.id : null,
    };
  }
}
