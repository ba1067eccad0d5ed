import { Controller, Injectable, UseGuards, applyDecorators, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthFailureThrottle } from '../../common/auth-failure-throttle';
import { bearerToken } from '../../common/bearer-token';
import type { RequestWithCaller } from '../../common/caller';
import { DomainError } from '../../common/domain-errors';
import { ApiKeyService } from './api-key.service';

/** Console routes: `Authorization: Bearer <tenant API key>`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const found = await this.throttle.attempt(request.socket.remoteAddress, () => this.apiKeys.authenticate(bearerToken(request)));
    if (!found) throw new DomainError('unauthorized', 'invalid-api-key', 'the API key is not valid');
    request.caller = { kind: 'tenant', ...found };
    return true;
  }
}

/** A controller of the tenant's console routes at `path`: every route needs the tenant's API key. */
export const TenantScopedController = (path: string) => applyDecorators(Controller(path), UseGuards(ApiKeyGuard));
