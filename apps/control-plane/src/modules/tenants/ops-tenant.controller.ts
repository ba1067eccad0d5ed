import { Body } from '@nestjs/common';
import { OperatorController } from '../../common/operator.guard';
import { parseInput } from '../../common/parse-input';
import { GetRoute, PostRoute } from '../../common/route';
import { createTenantSchema, createdTenantSchema, tenantListSchema } from './tenant.dto';
import { TenantService } from './tenant.service';

@OperatorController('v1/ops/tenants')
export class OpsTenantController {
  constructor(private readonly tenants: TenantService) {}

  @PostRoute({ summary: 'Create a tenant and its first API key (the secret is shown this once)', body: createTenantSchema, response: createdTenantSchema, problems: [422] })
  create(@Body() body: unknown) {
    return this.tenants.create(parseInput(createTenantSchema, body).name, { kind: 'operator' });
  }

  @GetRoute({ summary: 'Every tenant', response: tenantListSchema })
  async list() {
    return { items: await this.tenants.list() };
  }
}
