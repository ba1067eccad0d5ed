import { boundValues, type CompiledSql, compileSqlTemplate, type ConnectCredentials, describeUrl, ExternalDatabaseError, type SqlDialect, withDeadline } from '@mqc/auth';
import type { DatabaseConnectionConfig } from './guarded-socket';

/** A tenant's query template and the pool it runs on. */
export interface TenantQueryConfig extends DatabaseConnectionConfig {
  query: string;
}

/**
 * A tenant's SELECT on its own database, its placeholders bound to a client's values;
 * `timeoutMs` bounds the answer, and a failure is an ExternalDatabaseError naming the server.
 */
export abstract class TenantQuery {
  private readonly query: CompiledSql;
  private readonly where: string;

  protected constructor(
    protected readonly config: TenantQueryConfig,
    dialect: SqlDialect,
    product: string,
  ) {
    this.query = compileSqlTemplate(config.query, dialect);
    this.where = `${product} ${describeUrl(config.url)}`;
  }

  /** The client's rows; undefined when the client lacks a value the query binds. */
  async rows(credentials: ConnectCredentials): Promise<Record<string, unknown>[] | undefined> {
    const values = boundValues(this.query, credentials);
    if (values === undefined) return undefined;
    return askWithin(this.where, this.config.timeoutMs, () => this.run(this.query.text, values));
  }

  /** Runs the compiled statement with its bound values on the pool. */
  protected abstract run(text: string, values: string[]): Promise<Record<string, unknown>[]>;

  abstract close(): Promise<void>;
}

/**
 * Runs `work` within `timeoutMs`; any failure becomes an ExternalDatabaseError that names the
 * server (`server` is e.g. `MySQL host:port/db`, never a password).
 */
export async function askWithin<T>(server: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(work(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ExternalDatabaseError(`${server}: ${why}`, { cause: error });
  }
}
