import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { GetRoute } from '../../common/route';
import { OpenApiDocument } from './openapi-document';

@Controller('v1')
export class OpenApiController {
  constructor(private readonly document: OpenApiDocument) {}

  @GetRoute('openapi.json', { summary: 'This API, as an OpenAPI 3.1 document', response: z.record(z.string(), z.unknown()) })
  openapi() {
    return this.document.get();
  }
}
