import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../common/api-doc';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { apiKeyListSchema, createApiKeySchema, createdApiKeySchema } from './api-key.dto';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyService } from './api-key.service';

@Controller('v1/api-keys')
@UseGuards(ApiKeyGuard)
export class ApiKeyController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Get()
  @ApiDoc({ summary: 'The tenant API keys (never their secrets)', response: apiKeyListSchema })
  async list(@TenantCaller() caller: TenantCallerInfo) {
    return { items: await this.apiKeys.list(caller.tenantId) };
  }

  @Post()
  @ApiDoc({ summary: 'Create an API key; the secret is shown this once', body: createApiKeySchema, response: createdApiKeySchema, problems: [422] })
  create(@TenantCaller() caller: TenantCallerInfo, @Body() body: unknown) {
    return this.apiKeys.create(caller.tenantId, parseInput(createApiKeySchema, body).name, caller);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDoc({ summary: 'Revoke an API key (not the last one)', problems: [409] })
  async delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', new ResourceIdPipe('api-key')) id: string): Promise<void> {
    await this.apiKeys.delete(caller.tenantId, id, caller);
  }
}
