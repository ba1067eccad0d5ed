import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { AuditService } from './audit.service';

const listSchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.string().regex(/^\d+$/).optional() });

@Controller('v1/audit-events')
@UseGuards(ApiKeyGuard)
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
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
