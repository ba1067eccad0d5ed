import { Body, Controller, Get, Param, Patch, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { OperatorGuard } from '../../common/operator.guard';
import { parseInput } from '../../common/parse-input';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import { EditionService } from './edition.service';

const availabilitySchema = z.object({ available: z.boolean() }).strict();

@Controller('v1/editions')
@UseGuards(ApiKeyGuard)
export class EditionController {
  constructor(private readonly editions: EditionService) {}

  @Get()
  async catalog() {
    return { items: await this.editions.catalog() };
  }
}

@Controller('v1/ops/editions')
@UseGuards(OperatorGuard)
export class OpsEditionController {
  constructor(private readonly editions: EditionService) {}

  /** Stop or resume selling an edition; existing instances keep working. */
  @Patch(':edition')
  setAvailable(@Param('edition') edition: string, @Body() body: unknown) {
    return this.editions.setAvailable(edition, parseInput(availabilitySchema, body).available);
  }
}
