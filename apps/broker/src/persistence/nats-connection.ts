import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export type NatsConnection = Awaited<ReturnType<typeof connect>>;

/** NATS cannot be reached, or has no JetStream: the broker prints this one line and stops. */
export class NatsUnreachableError extends Error {
  constructor(url: string, cause: string) {
    super(`cannot use NATS JetStream at ${url.replace(/\/\/[^@/]*@/, '//***@')} (${cause}); start nats-server with -js or set NATS_URL`);
    this.name = 'NatsUnreachableError';
  }
}

/** Connects and checks JetStream answers (account info), so a wrong URL or a server without -js fails fast with one line. */
export async function connectNats(url: string, name: string, timeoutMs = 3_000): Promise<NatsConnection> {
  let connection: NatsConnection;
  try {
    // noAsyncTraces: no Error (and its stack) made per request, a cost on every stored message.
    connection = await connect({ servers: url, name, timeout: timeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true });
  } catch (error) {
    throw new NatsUnreachableError(url, error instanceof Error ? error.message : String(error));
  }
  try {
    const jsm = await jetstreamManager(connection, { timeout: timeoutMs });
    await jsm.getAccountInfo();
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new NatsUnreachableError(url, `JetStream is off: ${error instanceof Error ? error.message : String(error)}`);
  }
  return connection;
}
