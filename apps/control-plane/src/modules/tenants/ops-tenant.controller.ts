import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { OperatorGuard } from '../../common/operator.guard';
import { parseInput } from '../../common/parse-input';
import { createTenantSchema } from './tenant.dto';
import { TenantService } from './tenant.service';

@Controller('v1/ops/tenants')
@UseGuards(OperatorGuard)
export class OpsTenantController {
  constructor(private readonly tenants: TenantService) {}

  @Post()
  create(@Body() body: unknown) {
    return this.tenants.create(parseInput(createTenantSchema, body).name, { kind: 'operator' });
  }

  @Get()
  async list() {
    return { items: await this.tenants.list() };
  }
}
