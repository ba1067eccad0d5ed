import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from './domain-errors';

/** The client closed the connection before its answer: the work it asked for was dropped. */
export class ClientGoneError extends DomainError {
  constructor() {
    super('bad-request', 'client-gone', 'the client closed the connection before the answer; nothing was written');
  }
}

/**
 * A signal that aborts when the client goes away before its response is sent. The response's
 * `close` tells it: after the response is finished it means nothing; before, the connection
 * is gone (the request's own `close` only says that its body has been read).
 */
export function clientGoneSignal(request: IncomingMessage, response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const gone = () => {
    if (!response.writableFinished) controller.abort(new ClientGoneError());
  };
  if (request.socket?.destroyed) gone();
  else response.once('close', gone);
  return controller.signal;
}

/** The request's client-gone signal, for handlers whose work a client may abandon (user import). */
export const ClientGoneSignal = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const http = context.switchToHttp();
  return clientGoneSignal(http.getRequest<IncomingMessage>(), http.getResponse<ServerResponse>());
});
