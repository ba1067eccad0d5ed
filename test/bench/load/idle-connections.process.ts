import { openIdleConnections } from './idle-connections';

/** What the bench asks an idle-connection process to open (one process holds up to its file-descriptor limit). */
export interface OpenIdleRequest {
  port: number;
  count: number;
  concurrency: number;
  tls: boolean;
  prefix: string;
}

export type IdleProcessReply = { type: 'open' } | { type: 'failed'; message: string };

/**
 * A load-generator process for the idle-memory scenario: opens the idle connections it is asked
 * for and holds them until its parent goes away (then the process exits and they close).
 */
process.once('message', (request: OpenIdleRequest) => {
  openIdleConnections(request.port, request).then(
    () => process.send?.({ type: 'open' } satisfies IdleProcessReply),
    (error: unknown) => process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies IdleProcessReply),
  );
});
process.on('disconnect', () => process.exit(0));
