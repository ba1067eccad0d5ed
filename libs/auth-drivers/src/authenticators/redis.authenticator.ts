import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { AbstractConnector, Redis } from 'ioredis';
import { type Authenticator, type AuthResult, type ConnectCredentials, databaseTarget, type DatabaseTarget, describeUrl, ExternalDatabaseError, judgePasswordRow, missingPlaceholders, parseRedisCommand, type PasswordRow, placeholderValues, type RedisConfig, renderTemplate, withDeadline } from '@mqc/auth';
import { guardedAddress, outboundGuard, type DatabaseConnectionConfig, type ExternalDatabaseOptions, type OutboundGuard } from '../external/guarded-socket';

type NetStream = Awaited<ReturnType<AbstractConnector['connect']>>;

/**
 * ioredis's way in: every (re)connection resolves the host and checks each address with the
 * private-address guard, then connects to a checked address (TLS still names the host).
 */
function guardedConnector(target: DatabaseTarget, guard: OutboundGuard) {
  return class GuardedRedisConnector extends AbstractConnector {
    constructor() {
      super(2_000);
    }

    async connect(): Promise<NetStream> {
      this.connecting = true;
      const address = await guardedAddress(target.host, guard);
      if (!this.connecting) throw new Error('Connection is closed.');
      const stream = target.tls ? tlsConnect({ ...target.tls, host: address, port: target.port }) : netConnect({ host: address, port: target.port });
      stream.once('error', (error: Error) => {
        this.firstError = error;
      });
      this.stream = stream;
      return stream;
    }
  };
}

/**
 * `poolSize` connections (used in turn, each pipelining its commands), each (re)connecting
 * through the private-address guard; `timeoutMs` bounds connecting and every command.
 */
export function redisClients(config: DatabaseConnectionConfig, options: ExternalDatabaseOptions, connectionName: string): Redis[] {
  const target = databaseTarget(config.url, 'redis', config.password);
  const Connector = guardedConnector(target, outboundGuard(options.outboundAllowList, config.timeoutMs, options.resolve));
  const clients = Array.from(
    { length: config.poolSize },
    () =>
      new Redis({
        Connector,
        host: target.host,
        port: target.port,
        username: target.user,
        password: target.password,
        db: target.database ? Number(target.database) : 0,
        // Tells ioredis to wait for the TLS handshake; the connector makes the TLS socket.
        tls: target.tls,
        lazyConnect: true,
        connectTimeout: config.timeoutMs,
        commandTimeout: config.timeoutMs,
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        connectionName,
      }),
  );
  // Errors reach the command that waits; the events would otherwise crash the process.
  for (const client of clients) client.on('error', () => undefined);
  return clients;
}

/**
 * External password database on Redis (SPEC 4.6, EMQX's contract): `HMGET key field…` or
 * `HGET key field` reads a hash whose fields are `password_hash` (or `password`), `salt` and
 * `is_superuser`. Only the key holds placeholders, and it travels as one argument of the
 * command, so client data cannot add arguments or commands. A missing hash is `ignore`.
 * `poolSize` connections are used in turn; each pipelines its commands.
 */
export class RedisAuthenticator implements Authenticator {
  readonly type = 'redis';
  private readonly clients: Redis[];
  private next = 0;
  private readonly command: { name: 'HGET' | 'HMGET'; key: string; fields: (keyof PasswordRow)[] };
  private readonly where: string;

  constructor(
    readonly id: string,
    private readonly config: RedisConfig,
    options: ExternalDatabaseOptions = {},
  ) {
    const parsed = parseRedisCommand(config.command);
    this.command = { name: parsed.command === 'HGET' ? 'HGET' : 'HMGET', key: parsed.key, fields: parsed.fields as (keyof PasswordRow)[] };
    this.where = describeUrl(config.url);
    this.clients = redisClients(config, options, `mqc-authenticator-${id}`);
  }

  async authenticate(credentials: ConnectCredentials): Promise<AuthResult> {
    const values = placeholderValues(credentials);
    if (missingPlaceholders(this.command.key, values).length > 0) return { kind: 'ignore' };
    const key = renderTemplate(this.command.key, values);
    const client = this.clients[this.next++ % this.clients.length] as Redis;
    let answer: (string | null)[];
    try {
      const work = this.command.name === 'HGET' ? client.hget(key, this.command.fields[0] ?? '').then((v) => [v]) : client.hmget(key, ...this.command.fields);
      answer = await withDeadline(work, this.config.timeoutMs, () => new Error(`no answer within ${this.config.timeoutMs} ms`));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ExternalDatabaseError(`Redis ${this.where}: ${why}`, { cause: error });
    }
    if (answer.every((v) => v === null)) return { kind: 'ignore' };
    const row: PasswordRow = {};
    this.command.fields.forEach((field, i) => {
      const value = answer[i];
      if (value !== null && value !== undefined) row[field] = value;
    });
    return judgePasswordRow(row, credentials, this.config.passwordHash);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.disconnect();
  }
}
