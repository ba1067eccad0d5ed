import { type ConnectCredentials, ExternalDatabaseError, withDeadline } from '@mqc/auth';
import type { DatabaseConnectionConfig } from './guarded-socket';

/** A tenant's query template and the pool it runs on. */
export interface TenantQueryConfig extends DatabaseConnectionConfig {
  query: string;
}

/** A tenant's SELECT on its own database, bound to a client's values. */
export interface TenantQuery {
  /** The client's rows; undefined when the client lacks a value the query binds. */
  rows(credentials: ConnectCredentials): Promise<Record<string, unknown>[] | undefined>;
  close(): Promise<void>;
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
