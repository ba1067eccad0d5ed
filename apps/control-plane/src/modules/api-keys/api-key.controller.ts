import { Body, Param } from '@nestjs/common';
import { TenantCaller, type TenantCallerInfo } from '../../common/caller';
import { parseInput } from '../../common/parse-input';
import { ResourceIdPipe } from '../../common/resource-id.pipe';
import { DeleteRoute, GetRoute, PostRoute } from '../../common/route';
import { apiKeyListSchema, createApiKeySchema, createdApiKeySchema } from './api-key.dto';
import { TenantScopedController } from './api-key.guard';
import { ApiKeyService } from './api-key.service';

@TenantScopedController('v1/api-keys')
export class ApiKeyController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @GetRoute({ summary: 'The tenant API keys (never their secrets)', response: apiKeyListSchema })
  async list(@TenantCaller() caller: TenantCallerInfo) {
    return { items: await this.apiKeys.list(caller.tenantId) };
  }

  @PostRoute({ summary: 'Create an API key; the secret is shown this once', body: createApiKeySchema, response: createdApiKeySchema, problems: [422] })
  create(@TenantCaller() caller: TenantCallerInfo, @Body() body: unknown) {
    return this.apiKeys.create(caller.tenantId, parseInput(createApiKeySchema, body).name, caller);
  }

  @DeleteRoute(':id', { summary: 'Revoke an API key (not the last one)', problems: [409] })
  async delete(@TenantCaller() caller: TenantCallerInfo, @Param('id', new ResourceIdPipe('api-key')) id: string): Promise<void> {
    await this.apiKeys.delete(caller.tenantId, id, caller);
  }
}
