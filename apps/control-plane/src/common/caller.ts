import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is calling: a tenant (through one of its API keys) or the operator. */
export type Caller = { kind: 'tenant'; tenantId: string; apiKeyId: string } | { kind: 'operator' };

export interface RequestWithCaller {
  caller?: Caller;
  headers: Record<string, string | string[] | undefined>;
  /** The peer: failed authentications are counted per source address. */
  socket: { remoteAddress?: string | undefined };
}

export function actorOf(caller: Caller): string {
  return caller.kind === 'operator' ? 'operator' : `api-key:${caller.apiKeyId}`;
}

/** The tenant behind the request's API key (set by ApiKeyGuard). */
export const TenantCaller = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller || caller.kind !== 'tenant') throw new Error('TenantCaller used on a route without ApiKeyGuard');
  return caller;
});

export type TenantCallerInfo = Extract<Caller, { kind: 'tenant' }>;
