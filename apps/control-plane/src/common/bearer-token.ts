import { DomainError } from './domain-errors';
import type { RequestWithCaller } from './caller';

export function bearerToken(request: RequestWithCaller): string {
  const header = request.headers['authorization'];
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  if (!match?.[1]) throw new DomainError('unauthorized', 'missing-bearer-token', 'send Authorization: Bearer <key>');
  return match[1];
}
