import { Controller, Inject, Injectable, UseGuards, applyDecorators, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MqcConfig } from '@mqc/config';
import { AuthFailureThrottle } from './auth-failure-throttle';
import { bearerToken } from './bearer-token';
import type { RequestWithCaller } from './caller';
import { DomainError } from './domain-errors';
import { CONFIG } from './tokens';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** `/v1/ops/*`: the operator token from configuration, compared in constant time. */
@Injectable()
export class OperatorGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    @Inject(CONFIG) config: MqcConfig,
    private readonly throttle: AuthFailureThrottle,
  ) {
    this.expected = digest(config.operatorToken);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const valid = await this.throttle.attempt(request.socket.remoteAddress, () => timingSafeEqual(digest(bearerToken(request)), this.expected));
    if (!valid) throw new DomainError('unauthorized', 'invalid-operator-token', 'the operator token is not valid');
    request.caller = { kind: 'operator' };
    return true;
  }
}

/** A controller of operator routes at `path`: every route needs the operator token. */
export const OperatorController = (path: string) => applyDecorators(Controller(path), UseGuards(OperatorGuard));
