import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { ApiDoc } from '../../common/api-doc';
import { OpenApiDocument } from './openapi-document';

@Controller('v1')
export class OpenApiController {
  constructor(private readonly document: OpenApiDocument) {}

  @Get('openapi.json')
  @ApiDoc({ summary: 'This API, as an OpenAPI 3.1 document', response: z.record(z.string(), z.unknown()) })
  openapi() {
    return this.document.get();
  }
}
