import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../common/api-doc';
import { OperatorGuard } from '../../common/operator.guard';
import { parseInput } from '../../common/parse-input';
import { createTenantSchema, createdTenantSchema, tenantListSchema } from './tenant.dto';
import { TenantService } from './tenant.service';

@Controller('v1/ops/tenants')
@UseGuards(OperatorGuard)
export class OpsTenantController {
  constructor(private readonly tenants: TenantService) {}

  @Post()
  @ApiDoc({ summary: 'Create a tenant and its first API key (the secret is shown this once)', body: createTenantSchema, response: createdTenantSchema, problems: [422] })
  create(@Body() body: unknown) {
    return this.tenants.create(parseInput(createTenantSchema, body).name, { kind: 'operator' });
  }

  @Get()
  @ApiDoc({ summary: 'Every tenant', response: tenantListSchema })
  async list() {
    return { items: await this.tenants.list() };
  }
}
